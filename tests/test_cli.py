"""The CLI as users meet it: a real process, exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path


def test_demo_flow_and_exit_codes(
    cli, tmp_path: Path, demo: Path, derived: dict[str, Path]
) -> None:
    ws = tmp_path / "w"
    assert cli("init", ws).returncode == 0
    ingested = cli("ingest", demo, derived["text"], cwd=ws)
    assert ingested.returncode == 3, ingested.stderr
    assert "rejected" in ingested.stderr and "Traceback" not in ingested.stderr
    ran = cli("run", "--pipeline", "visual", cwd=ws)
    assert ran.returncode == 0, ran.stderr
    assert "[clips] 1/1" in ran.stderr  # plain progress lines when not a TTY
    status = cli("status", "--pipeline", "visual", cwd=ws)
    assert status.returncode == 0 and "attributes" in status.stdout + status.stderr
    out = cli("query", "select count(*) as n from clips", "--format", "json", cwd=ws)
    assert json.loads(out.stdout) == [{"n": 3}]
    csv = cli("query", "select kind from rejects", "--format", "csv", cwd=ws)
    assert csv.stdout.splitlines() == ['"kind"', '"bad_media"']
    assert cli("release", "create", "--version", "0.1.0", cwd=ws).returncode == 0
    again = cli("release", "create", "--version", "0.1.0", cwd=ws)
    assert again.returncode == 1 and again.stderr.startswith("error: release 0.1.0 already exists")
    assert cli("release", "verify", "0.1.0", cwd=ws).returncode == 0
    (ws / "releases" / "0.1.0" / "data" / "clips.parquet").write_bytes(b"x")
    bad = cli("release", "verify", "0.1.0", cwd=ws)
    assert bad.returncode == 1 and "data/clips.parquet: sha256 mismatch" in bad.stderr + bad.stdout
    listed = cli("release", "list", cwd=ws)
    assert "0.1.0" in listed.stdout + listed.stderr


def test_usage_errors_exit_2_with_one_line(cli, tmp_path: Path) -> None:
    ws = tmp_path / "w"
    cli("init", ws)
    for args in (
        ("run", "--pipeline", "nope"),
        ("run", "--stages", "shots,bogus"),
        ("query", "select 1", "--format", "xml"),
        ("query", "select * from no_such_table"),
        ("frobnicate",),
    ):
        result = cli(*args, cwd=ws)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
    outside = cli("status", cwd=tmp_path)
    assert outside.returncode == 2 and "emocurate init" in outside.stderr


def test_run_rejects_exit_3_and_name_the_video(cli, tmp_path: Path, demo: Path) -> None:
    ws = tmp_path / "w"
    cli("init", ws)
    cli("ingest", demo, cwd=ws)
    media_file = next((ws / "media").glob("*.mp4"))
    media_file.write_bytes(media_file.read_bytes()[:1500])  # damaged after ingest
    result = cli("run", "--pipeline", "visual", cwd=ws)
    assert result.returncode == 3
    assert f"rejected [frame_attributes] {media_file.stem}" in result.stderr
    assert "Traceback" not in result.stderr
