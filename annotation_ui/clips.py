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
    """Every clip with a file, and whether any transcript exists (the speech stages ran).

    Reads the current outputs of the stages producing `clips` and `utterances` (what
    `emocurate query` shows under those names) without loading the whole catalog.
    """
    import duckdb

    from emocurate.query import stage_tables

    files = stage_tables(workspace)
    if not files.get("clips"):
        raise UsageError(
            "no clips in this workspace: run `emocurate run` (with the clips stage) before pushing"
        )
    con = duckdb.connect()
    try:
        con.execute(f"create view clips as select * from read_parquet({_list(files['clips'])})")
        clips = con.execute(
            "select clip_id, path, fps, duration from clips where path is not null order by clip_id"
        ).fetchall()
        texts: dict[str, str] = {}
        if files.get("utterances"):
            con.execute(
                "create view utterances as select * from "
                f"read_parquet({_list(files['utterances'])}, union_by_name = true)"
            )
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
    spoken = bool(files.get("utterances"))
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


def _list(paths) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in sorted(paths)) + "]"
