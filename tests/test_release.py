from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from emocurate import schemas
from emocurate.errors import EmocurateError, UsageError
from emocurate.ingest import ingest
from emocurate.media import sha256_file
from emocurate.query import run_query
from emocurate.release import create_release, verify_release
from emocurate.runner import run
from emocurate.workspace import Workspace


@pytest.fixture()
def released(workspace: Workspace, demo: Path) -> tuple[Workspace, Path]:
    ingest(workspace, [str(demo)])
    run(workspace, "visual")
    return workspace, create_release(workspace, "0.1.0", notes="first cut")


def test_release_has_tables_manifest_card_and_media(released: tuple[Workspace, Path]) -> None:
    ws, root = released
    manifest = json.loads((root / "manifest.json").read_text())
    assert {"sources", "clips", "attributes"} <= set(manifest["tables"])
    assert manifest["schema_version"] == schemas.SCHEMA_VERSION and manifest["code_version"]
    assert manifest["pipeline"] == "visual" and manifest["settings"]["fps"] == 5.0
    for name, entry in manifest["tables"].items():
        path = root / entry["path"]
        assert sha256_file(path) == entry["sha256"]
        table = pq.read_table(path)
        assert table.num_rows == entry["rows"]
        assert table.schema.remove_metadata() == schemas.schema(name).remove_metadata()
    clips = pq.read_table(root / "data" / "clips.parquet").to_pylist()
    assert len(clips) == 3 and set(manifest["files"]) == {c["path"] for c in clips}
    for clip in clips:
        assert sha256_file(root / clip["path"]) == clip["sha256"]
    sources = pq.read_table(root / "data" / "sources.parquet").to_pylist()
    assert sources[0]["local_path"] is None, "the curator's local paths are not published"
    meta = json.loads((root / "croissant.json").read_text())
    assert meta["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert {d["contentUrl"]: d["sha256"] for d in meta["distribution"]} == {
        e["path"]: e["sha256"] for e in manifest["tables"].values()
    }
    clip_fields = next(r for r in meta["recordSet"] if r["name"] == "clips")["field"]
    assert [f["name"] for f in clip_fields] == schemas.schema("clips").names
    card = (root / "README.md").read_text()
    assert "first cut" in card and "| clips | 3 |" in card and "Hasler and Suesstrunk" in card


def test_existing_version_is_refused_and_bad_versions_are_usage_errors(
    released: tuple[Workspace, Path],
) -> None:
    ws, root = released
    before = (root / "manifest.json").read_bytes()
    with pytest.raises(EmocurateError, match="immutable"):
        create_release(ws, "0.1.0")
    assert (root / "manifest.json").read_bytes() == before
    with pytest.raises(UsageError, match="X.Y.Z"):
        create_release(ws, "v1")


def test_verify_names_the_file_that_changed(released: tuple[Workspace, Path]) -> None:
    ws, root = released
    assert verify_release(ws, "0.1.0").ok
    clip = next((root / "clips").iterdir())
    clip.unlink()  # break the hard link first: the workspace copy stays intact
    clip.write_bytes(b"tampered")
    result = verify_release(ws, "0.1.0")
    assert result.mismatches == [f"clips/{clip.name}: sha256 mismatch"]
    (root / "data" / "shots.parquet").unlink()
    assert "data/shots.parquet: missing" in verify_release(ws, "0.1.0").mismatches


def test_release_tables_are_queryable_and_frozen(
    released: tuple[Workspace, Path], media: Path
) -> None:
    ws, _ = released
    ingest(ws, [str(media / "video" / "single_face.mp4")])
    run(ws, "visual")
    rows = run_query(
        ws, "select (select count(*) from r_0_1_0_clips) frozen, (select count(*) from clips) now"
    ).to_pylist()
    assert rows == [{"frozen": 3, "now": 4}]


def test_croissant_metadata_loads_with_mlcroissant(released: tuple[Workspace, Path]) -> None:
    mlc = pytest.importorskip("mlcroissant")
    _, root = released
    dataset = mlc.Dataset(jsonld=str(root / "croissant.json"))
    clips = list(dataset.records(record_set="clips"))
    expected = pq.read_table(root / "data" / "clips.parquet").column("clip_id").to_pylist()
    assert [r["clips/clip_id"].decode() for r in clips] == expected


@pytest.mark.slow
def test_face_crops_and_subtitles_ship_with_the_release(workspace: Workspace, demo: Path) -> None:
    """Every file a released table points to (clips, crops, subtitles) is inside the release."""
    from emocurate.schemas._fields import is_file_column

    ingest(workspace, [str(demo)])
    assert run(workspace, "default").exit_code == 0
    root = create_release(workspace, "1.0.0")
    assert verify_release(workspace, "1.0.0").ok
    manifest = json.loads((root / "manifest.json").read_text())
    for name in manifest["tables"]:
        table = pq.read_table(root / "data" / f"{name}.parquet")
        for field in table.schema:
            if not is_file_column(schemas.schema(name).field(field.name)):
                continue
            for value in table.column(field.name).to_pylist():
                for rel in value if isinstance(value, list) else [value]:
                    if rel:
                        assert rel in manifest["files"] and (root / rel).is_file(), rel
    kinds = {Path(rel).suffix for rel in manifest["files"]}
    assert kinds == {".mp4", ".vtt", ".jpg"}, kinds
