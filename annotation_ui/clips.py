"""The clips to label, read from the workspace views (`clips`, and `utterances` for transcripts)."""

from __future__ import annotations

from dataclasses import dataclass

from emocurate.errors import UsageError
from emocurate.workspace import Workspace

DEFAULT_FPS = 25.0


@dataclass(frozen=True)
class Clip:
    clip_id: str
    path: str  # relative to the workspace, e.g. clips/<clip_id>.mp4
    fps: float
    duration: float
    transcript: str | None


def load(workspace: Workspace) -> tuple[list[Clip], bool]:
    """Every clip with a file, and whether any transcript exists (the speech stages ran)."""
    from emocurate.query import connect

    con = connect(workspace)
    try:
        clips = con.execute(
            "select clip_id, path, fps, duration from clips where path is not null order by clip_id"
        ).fetchall()
        spoken = con.execute("select count(*) from utterances").fetchone()[0] > 0
        texts: dict[str, str] = {}
        if spoken:
            texts = dict(
                con.execute(
                    """
                    select c.clip_id,
                           string_agg(coalesce('[' || u.speaker || '] ', '') || u.text, ' '
                                      order by u.start)
                    from clips c join utterances u
                      on u.video_id = c.video_id and u.start < c."end" and u."end" > c.start
                    group by c.clip_id
                    """
                ).fetchall()
            )
    finally:
        con.close()
    if not clips:
        raise UsageError(
            "no clips in this workspace: run `emocurate run` (with the clips stage) before pushing"
        )
    missing = [path for _, path, _, _ in clips if not workspace.path(path).is_file()]
    if missing:
        raise UsageError(
            f"{len(missing)} clip file(s) are missing (first: {missing[0]}): re-run `emocurate run`"
        )
    return [
        Clip(cid, path, float(fps or DEFAULT_FPS), float(duration), texts.get(cid))
        for cid, path, fps, duration in clips
    ], spoken
