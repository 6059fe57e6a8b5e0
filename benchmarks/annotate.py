"""Push and pull at scale against a real Label Studio, with a bare bulk import as the baseline.

    .venv/bin/python benchmarks/annotate.py [--clips 2000] [--overlap 3]

Push: `emocurate annotate push` of N clips with overlap k (assignment, catalog records,
project lookup, listing existing tasks, batched imports) divided by a bare Label Studio
bulk import of the same task dicts (one POST per project into fresh projects, nothing
else), measured in the same run on the same server; target <= 1.2.
Pull: N x k annotations (bulk-imported with their annotators) pulled into the catalog:
seconds, and a second pull (nothing new) for the cost of an idempotent re-pull.

The workspace is a temporary folder: one real 6 s clip cut from the demo interview,
hard-linked N times, and a clips table recorded as the runner would.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

from emocurate import schemas
from emocurate.annotation_ui import (
    annotators,
    assign,
    clips,
    configs,
    credentials,
    pull,
    push,
    server,
    store,
)
from emocurate.catalog import Catalog
from emocurate.media import cut_clip, sha256_file
from emocurate.workspace import Workspace

DEMO = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "media" / "demo_interview.mp4"
EMAILS = [f"bench{i}@example.org" for i in range(1, 6)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_workspace(root: Path, n: int) -> Workspace:
    ws = Workspace.init(root)
    (root / "emocurate.toml").write_text(
        (root / "emocurate.toml").read_text().replace("127.0.0.1:8080", f"127.0.0.1:{free_port()}")
    )
    ws = Workspace.open(root)
    first = ws.path("clips", "bench_00000.mp4")
    cut_clip(DEMO, first, 0.0, 6.0, with_audio=True)
    digest = sha256_file(first)
    rows = []
    for i in range(n):
        clip_id = f"bench_{i:05d}"
        path = ws.path("clips", f"{clip_id}.mp4")
        if i:
            os.link(first, path)
        rows.append({
            "clip_id": clip_id, "video_id": "bench", "start": 6.0 * i, "end": 6.0 * i + 6.0,
            "duration": 6.0, "strategy": "windows", "segment_index": i,
            "path": f"clips/{clip_id}.mp4", "sha256": digest, "width": 640, "height": 360,
            "fps": 25.0, "has_audio": True,
        })  # fmt: skip
    out = ws.path("work", "clips", "bench.parquet")
    out.parent.mkdir(parents=True, exist_ok=True)
    import pyarrow.parquet as pq

    pq.write_table(schemas.from_rows(rows, "clips"), out)
    Catalog(ws).record_output({
        "stage": "clips", "video_id": "bench", "cache_key": "bench", "status": "done",
        "path": ws.relative(out), "rows": n, "seconds": 0.0, "run_id": "bench",
    })  # fmt: skip
    return ws


def bare_import(ws: Workspace, tag: str, config: str, overlap: int) -> tuple[float, float]:
    """Bare Label Studio, same end state: create the projects (+ clip storage), then one bulk
    POST per project of the same task dicts. Returns (all of it, the imports alone) seconds."""
    items, _ = clips.load(ws)
    label_config = configs.render(config, configs.labels(ws.config), transcript=False)
    pool = annotators.pool(ws)
    pairs = assign.assign([c.clip_id for c in items], list(pool), overlap, {})
    by_id = {c.clip_id: c for c in items}
    queues: dict[str, list[str]] = {}
    for clip_id, who, _ in pairs:
        queues.setdefault(who, []).append(clip_id)
    payloads = {w: [push._task(by_id[c], label_config, None) for c in q] for w, q in queues.items()}
    with server.client(ws) as client:
        start = time.perf_counter()
        ids = {}
        for who in queues:
            project = client.create_project(title=f"{tag} / {who}", label_config=label_config.xml)
            client.create_local_storage(project["id"], str(ws.path("clips")), "clips")
            ids[who] = project["id"]
        imports = time.perf_counter()
        for who, tasks in payloads.items():
            client.import_tasks(ids[who], tasks)
        end = time.perf_counter()
    return end - start, end - imports


def annotated_projects(ws: Workspace, config: str, overlap: int) -> int:
    """Projects titled like push's, holding tasks with one annotation each by their annotator."""
    items, _ = clips.load(ws)
    label_config = configs.render("emotion", configs.labels(ws.config), transcript=False)
    creds = credentials.load(ws)
    users = {creds.pseudonym(e): a.user_id for e, a in creds.annotators.items()}
    pairs = assign.assign([c.clip_id for c in items], list(users), overlap, {})
    queues: dict[str, list[str]] = {}
    for clip_id, who, _ in pairs:
        queues.setdefault(who, []).append(clip_id)
    by_id = {c.clip_id: c for c in items}
    labels = configs.EMOTIONTALK_CLASSES
    with server.client(ws) as client:
        for who, queue in queues.items():
            project = client.create_project(
                title=push.project_title(ws, config, who), label_config=label_config.xml
            )
            tasks = []
            for i, clip_id in enumerate(queue):
                task = push._task(by_id[clip_id], label_config, None)
                value = {"choices": [labels[(i + len(who)) % len(labels)]]}
                result = [
                    {"from_name": "emotion", "to_name": "video", "type": "choices", "value": value}
                ]
                task["annotations"] = [
                    {"result": result, "completed_by": users[who], "lead_time": 3.0}
                ]
                tasks.append(task)
            client.import_tasks(project["id"], tasks)
    return len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=2000)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--annotators", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="emocurate-bench-") as tmp:
        ws = make_workspace(Path(tmp) / "ws", args.clips)
        t0 = time.perf_counter()
        server.serve(ws, timeout=900)
        print(f"server ready in {time.perf_counter() - t0:.0f} s (new data dir: migrations)")
        try:
            for email in EMAILS[: args.annotators]:
                annotators.add(ws, email)
            n_tasks = args.clips * args.overlap
            bare = [bare_import(ws, "bare-a", "emotion", args.overlap)]
            start = time.perf_counter()
            report = push.push(ws, "emotion", args.overlap)
            t_push = time.perf_counter() - start
            bare.append(bare_import(ws, "bare-b", "emotion", args.overlap))
            assert report.tasks_created == n_tasks, report
            start = time.perf_counter()
            again = push.push(ws, "emotion", args.overlap)
            t_repush = time.perf_counter() - start
            assert again.tasks_created == 0
            base = statistics.mean(b[0] for b in bare)
            print(
                f"push {args.clips} clips x overlap {args.overlap} = {n_tasks} tasks: "
                f"{t_push:.2f} s; bare Label Studio (create projects + bulk import) "
                f"{' / '.join(f'{b[0]:.2f}' for b in bare)} s (imports alone "
                f"{' / '.join(f'{b[1]:.2f}' for b in bare)} s); "
                f"ratio {t_push / base:.2f} (target <= 1.2); idempotent re-push {t_repush:.1f} s"
            )

            n_ann = annotated_projects(ws, "pullbench", args.overlap)
            start = time.perf_counter()
            first = pull.pull(ws)
            t_pull = time.perf_counter() - start
            start = time.perf_counter()
            second = pull.pull(ws)
            t_repull = time.perf_counter() - start
            assert first.new_versions == n_ann and second.new_versions == 0, (first, second)
            stored = store.rows(ws, "select count(*) as n from annotation_versions")[0]["n"]
            print(
                f"pull {n_ann} annotations ({first.projects} projects): {t_pull:.1f} s "
                f"({n_ann / t_pull:.0f} annotations/s), {stored} rows stored; "
                f"re-pull (nothing new) {t_repull:.1f} s"
            )
        finally:
            server.stop(ws)


if __name__ == "__main__":
    main()
