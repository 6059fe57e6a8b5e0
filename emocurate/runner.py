"""The runner: plans cache keys, runs what is missing, records outputs and rejects.

Per (stage, video) the cache key hashes the stage's identity (name, version,
settings, model fingerprint, sampling rate for frame stages), the video's
content id and the keys of its inputs. An output is a Parquet file named by
that key, written atomically; the file is the completion marker and the
catalog its index, so a run killed at any moment resumes without recomputing
anything that finished (a file renamed but not yet recorded is recorded on the
next run).

Consecutive frame stages form one *pass*: the video is decoded once and every
frame goes to each of their consumers. One failing video becomes a reject row
and the run goes on.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.util
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from emocurate import pipelines, schemas
from emocurate.catalog import Catalog
from emocurate.errors import SkipVideo, UsageError, error_kind, one_line
from emocurate.media import iter_frames, prefetch
from emocurate.progress import Reporter, reporter
from emocurate.records import Source
from emocurate.stage import (
    FrameStage,
    Stage,
    VideoContext,
    VideoStage,
    WorkspaceContext,
    WorkspaceStage,
    cache_key,
    stage_class,
)
from emocurate.workspace import Workspace, atomic_write

ALL_VIDEOS = "*"


# -- plan ----------------------------------------------------------------------------
@dataclass(frozen=True)
class StagePlan:
    """A built stage in a pipeline: its class, effective settings and resolved inputs."""

    name: str
    settings: dict[str, Any]
    inputs: tuple[str, ...]
    identity: dict[str, Any]
    kind: str  # "frame" | "video" | "workspace"


@dataclass
class Plan:
    pipeline: pipelines.Pipeline
    fps: float
    stages: list[StagePlan]

    def steps(self) -> list[list[StagePlan]]:
        """Consecutive frame stages share one decoding pass; other stages run alone."""
        steps: list[list[StagePlan]] = []
        for stage in self.stages:
            if stage.kind == "frame" and steps and steps[-1][0].kind == "frame":
                steps[-1].append(stage)
            else:
                steps.append([stage])
        return steps


_KIND = ((FrameStage, "frame"), (WorkspaceStage, "workspace"), (VideoStage, "video"))


def build_plan(workspace: Workspace, pipeline_name: str | None = None) -> Plan:
    """Resolve the pipeline preset + workspace overrides into built stages (validates settings)."""
    pipeline = pipelines.load(pipeline_name or workspace.pipeline_name)
    fps = float(workspace.section("decode").get("fps", pipeline.fps))
    seen: list[str] = []
    plans: list[StagePlan] = []
    for spec in pipeline.stages:
        cls = stage_class(spec.name)
        settings = {**spec.settings, **workspace.stage_overrides(spec.name)}
        stage = cls(settings, workspace)
        missing = [i for i in cls.inputs if i not in seen]
        if missing:
            raise UsageError(
                f"pipeline {pipeline.name!r}: stage {spec.name!r} needs {', '.join(missing)} "
                "earlier in the pipeline"
            )
        inputs = tuple(cls.inputs) + tuple(i for i in cls.optional_inputs if i in seen)
        kind = next(k for base, k in _KIND if isinstance(stage, base))
        identity = stage.identity()
        if kind == "frame":
            identity["fps"] = fps
        plans.append(StagePlan(spec.name, stage.settings, inputs, identity, kind))
        seen.append(spec.name)
    return Plan(pipeline, fps, plans)


def output_path(workspace: Workspace, stage: str, video_id: str, key: str) -> Path:
    folder = "_all" if video_id == ALL_VIDEOS else video_id
    return workspace.path("work", stage, folder, f"{key}.parquet")


def compute_keys(plan: Plan, sources: Sequence[Source]) -> dict[tuple[str, str], str]:
    """Cache key of every (stage, video); workspace stages key over all videos' inputs."""
    keys: dict[tuple[str, str], str] = {}
    for stage in plan.stages:
        if stage.kind == "workspace":
            input_keys = {
                f"{i}/{s.video_id}": keys[(i, s.video_id)] for i in stage.inputs for s in sources
            }
            keys[(stage.name, ALL_VIDEOS)] = cache_key(stage.identity, ALL_VIDEOS, input_keys)
            continue
        for s in sources:
            input_keys = {i: keys[(i, s.video_id)] for i in stage.inputs}
            keys[(stage.name, s.video_id)] = cache_key(stage.identity, s.video_id, input_keys)
    return keys


# -- work done in worker processes ------------------------------------------------------
@dataclass
class Task:
    """One video through one step (a frame pass or a single stage)."""

    workspace: Workspace
    source: Source
    fps: float
    stages: list[StagePlan]
    #: stage -> output path to write
    outputs: dict[str, Path]
    #: stage -> {input stage -> parquet path}
    inputs: dict[str, dict[str, Path]]


@dataclass
class Result:
    stage: str
    video_id: str
    status: str  # done | skipped | rejected
    path: Path | None = None
    rows: int = 0
    seconds: float = 0.0
    reason: str | None = None
    kind: str | None = None
    detail: str | None = None  # traceback for the log, never shown to the user


_INSTANCES: dict[str, Stage] = {}


def _instance(plan: StagePlan, workspace: Workspace) -> Stage:
    """Stages are built once per process (models load once per worker, not per video)."""
    token = json.dumps([plan.name, plan.settings, str(workspace.root)], sort_keys=True, default=str)
    if token not in _INSTANCES:
        if not _INSTANCES and multiprocessing.parent_process() is not None:
            # A pool worker: release models (their native handles) before the interpreter
            # tears down, which atexit is too late for.
            multiprocessing.util.Finalize(None, close_stages, exitpriority=100)
        _INSTANCES[token] = stage_class(plan.name)(plan.settings, workspace)
    return _INSTANCES[token]


def close_stages() -> None:
    """Close every cached stage that holds resources (model sessions, native tasks)."""
    for stage in list(_INSTANCES.values()):
        close = getattr(stage, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):  # best effort at shutdown
                close()
    _INSTANCES.clear()


def _write(table: pa.Table, stage: Stage, path: Path) -> int:
    table = schemas.conform(table, stage.table)
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))
    return table.num_rows


def _skip(stage: Stage, path: Path, reason: str, video_id: str) -> Result:
    """A skipped video gets an empty output (dependents read an empty table) and a reason."""
    _write(schemas.empty(stage.table), stage, path)
    return Result(stage.name, video_id, "skipped", path, 0, 0.0, reason)


def _reject(stage_name: str, video_id: str, exc: BaseException) -> Result:
    return Result(
        stage_name, video_id, "rejected", reason=one_line(exc), kind=error_kind(exc),
        detail="".join(traceback.format_exception(exc)),
    )  # fmt: skip


def _missing_streams(stage: Stage, source: Source) -> str | None:
    lacking = sorted(s for s in stage.needs if not source.has(s))
    return f"source has no {' or '.join(lacking)} stream" if lacking else None


def execute(task: Task) -> list[Result]:
    """Run one step for one video; never raises (failures become reject results)."""
    results: list[Result] = []
    ctxs: dict[str, VideoContext] = {}
    runnable: list[tuple[StagePlan, Stage]] = []
    vid = task.source.video_id
    for plan in task.stages:
        try:
            stage = _instance(plan, task.workspace)
        except Exception as exc:  # noqa: BLE001 - a stage that cannot be built rejects this video
            results.append(_reject(plan.name, vid, exc))
            continue
        reason = _missing_streams(stage, task.source)
        if reason:
            results.append(_skip(stage, task.outputs[plan.name], reason, vid))
            continue
        ctxs[plan.name] = VideoContext(
            task.workspace, task.source, stage.settings, task.inputs.get(plan.name, {}), task.fps
        )
        runnable.append((plan, stage))
    if not runnable:
        return results
    if runnable[0][0].kind == "frame":
        results += _frame_pass(task, runnable, ctxs)
    else:
        plan, stage = runnable[0]
        results.append(_run_video_stage(task, stage, ctxs[plan.name]))
    return results


def _run_video_stage(task: Task, stage: Stage, ctx: VideoContext) -> Result:
    vid = task.source.video_id
    start = time.perf_counter()
    try:
        assert isinstance(stage, VideoStage)
        table = stage.run(ctx)
        rows = _write(table, stage, task.outputs[stage.name])
    except SkipVideo as skip:
        return _skip(stage, task.outputs[stage.name], skip.reason, vid)
    except Exception as exc:  # noqa: BLE001 - one bad video must not stop the run
        return _reject(stage.name, vid, exc)
    return Result(
        stage.name, vid, "done", task.outputs[stage.name], rows, time.perf_counter() - start
    )


def _frame_pass(
    task: Task, runnable: list[tuple[StagePlan, Stage]], ctxs: dict[str, VideoContext]
) -> list[Result]:
    """Decode the video once and feed every frame stage's consumer."""
    vid = task.source.video_id
    results: list[Result] = []
    consumers: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    stages = {plan.name: stage for plan, stage in runnable}
    for name, stage in stages.items():
        try:
            assert isinstance(stage, FrameStage)
            consumers[name] = stage.consumer(ctxs[name])
            seconds[name] = 0.0
        except SkipVideo as skip:
            results.append(_skip(stage, task.outputs[name], skip.reason, vid))
        except Exception as exc:  # noqa: BLE001
            results.append(_reject(name, vid, exc))
    try:
        for frame in prefetch(iter_frames(task.workspace.path(task.source.media_path), task.fps)):
            for name in list(consumers):
                t0 = time.perf_counter()
                try:
                    consumers[name].update(frame)
                except Exception as exc:  # noqa: BLE001 - drop this consumer, keep the pass
                    results.append(_reject(name, vid, exc))
                    del consumers[name]
                    continue
                seconds[name] += time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - undecodable video: every consumer rejects it
        results += [_reject(name, vid, exc) for name in consumers]
        return results
    for name, consumer in consumers.items():
        stage = stages[name]
        t0 = time.perf_counter()
        try:
            rows = _write(consumer.finish(), stage, task.outputs[name])
        except SkipVideo as skip:
            results.append(_skip(stage, task.outputs[name], skip.reason, vid))
            continue
        except Exception as exc:  # noqa: BLE001
            results.append(_reject(name, vid, exc))
            continue
        elapsed = seconds[name] + time.perf_counter() - t0
        results.append(Result(name, vid, "done", task.outputs[name], rows, elapsed))
    return results


# -- the run ----------------------------------------------------------------------------
@dataclass
class RunSummary:
    run_id: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rejects: list[Result] = field(default_factory=list)
    blocked: list[tuple[str, str, str]] = field(default_factory=list)

    def count(self, stage: str, status: str) -> None:
        per = self.counts.setdefault(stage, {"done": 0, "cached": 0, "skipped": 0, "rejected": 0})
        per[status] = per.get(status, 0) + 1

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for per in self.counts.values():
            for k, v in per.items():
                out[k] = out.get(k, 0) + v
        return out

    @property
    def exit_code(self) -> int:
        return 3 if self.rejects else 0


def run(
    workspace: Workspace,
    pipeline: str | None = None,
    only: Iterable[str] | None = None,
    jobs: int = 1,
    progress: Reporter | None = None,
    log: Callable[[str], None] | None = None,
) -> RunSummary:
    """Run the pipeline over every ingested source; returns what was done and rejected."""
    plan = build_plan(workspace, pipeline)
    selected = set(only) if only else set(plan.pipeline.stage_names)
    unknown = selected - set(plan.pipeline.stage_names)
    if unknown:
        raise UsageError(
            f"stage(s) {', '.join(sorted(unknown))} not in pipeline {plan.pipeline.name!r} "
            f"({', '.join(plan.pipeline.stage_names)})"
        )
    catalog = Catalog(workspace)
    sources = catalog.sources()
    keys = compute_keys(plan, sources)
    summary = RunSummary(run_id=f"run-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}")
    catalog.start_run(
        summary.run_id, "run", plan.pipeline.name,
        {"fps": plan.fps, "stages": [{"name": s.name, **s.settings} for s in plan.stages]},
    )  # fmt: skip
    log_path = workspace.path("logs", f"{summary.run_id}.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    failed: set[tuple[str, str]] = set()  # (stage, video) with no usable output

    pool: ProcessPoolExecutor | None = None
    if jobs > 1 and len(sources) > 1:
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn")
        )
    try:
        with progress or reporter() as prog:
            for step in plan.steps():
                names = [s.name for s in step if s.name in selected]
                if not names:
                    # Not selected: its existing outputs still feed later stages.
                    for s in step:
                        for src in sources:
                            if not _output_exists(workspace, s, src, keys):
                                failed.add((s.name, src.video_id))
                    continue
                _run_step(
                    workspace, catalog, plan, step, names, sources, keys, failed, summary,
                    prog, pool, log_path,
                )  # fmt: skip
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        close_stages()
        catalog.finish_run(summary.run_id, summary.totals())
    return summary


def _output_exists(ws: Workspace, stage: StagePlan, src: Source, keys: Mapping) -> bool:
    vid = ALL_VIDEOS if stage.kind == "workspace" else src.video_id
    return output_path(ws, stage.name, vid, keys[(stage.name, vid)]).exists()


def _run_step(
    ws: Workspace,
    catalog: Catalog,
    plan: Plan,
    step: list[StagePlan],
    names: list[str],
    sources: Sequence[Source],
    keys: Mapping[tuple[str, str], str],
    failed: set[tuple[str, str]],
    summary: RunSummary,
    prog: Reporter,
    pool: ProcessPoolExecutor | None,
    log_path: Path,
) -> None:
    stages = [s for s in step if s.name in names]
    label = "+".join(names)
    if stages[0].kind == "workspace":
        _run_workspace_stage(ws, catalog, stages[0], sources, keys, failed, summary, prog, log_path)
        return
    known = {s.name: catalog.known_keys(s.name) for s in stages}
    tasks: list[Task] = []
    for src in sources:
        vid = src.video_id
        todo: list[StagePlan] = []
        for s in stages:
            key = keys[(s.name, vid)]
            path = output_path(ws, s.name, vid, key)
            blocked = [i for i in s.inputs if (i, vid) in failed]
            if blocked:
                failed.add((s.name, vid))
                summary.blocked.append((s.name, vid, f"no {', '.join(blocked)} output"))
                continue
            if path.exists():
                summary.count(s.name, "cached")
                if (vid, key) not in known[s.name]:  # finished by a killed run: index it now
                    rows = pq.read_metadata(path).num_rows
                    _record(
                        catalog,
                        summary,
                        Result(s.name, vid, "done", path, rows),
                        key,
                        ws,
                        adopted=True,
                    )
                continue
            todo.append(s)
        if todo:
            inputs = {
                s.name: {i: output_path(ws, i, vid, keys[(i, vid)]) for i in s.inputs} for s in todo
            }
            outputs = {s.name: output_path(ws, s.name, vid, keys[(s.name, vid)]) for s in todo}
            tasks.append(Task(ws, src, plan.fps, todo, outputs, inputs))
    if not tasks:
        return
    bar = prog.add(label, len(tasks))

    def handle(results: list[Result]) -> None:
        for result in results:
            _record(catalog, summary, result, keys[(result.stage, result.video_id)], ws, log_path)
            if result.status == "rejected":
                failed.add((result.stage, result.video_id))
        statuses = ", ".join(f"{r.stage} {r.status}" for r in results)
        prog.advance(bar, f"{results[0].video_id if results else ''}: {statuses}")

    if pool is None:
        for task in tasks:
            handle(execute(task))
        return
    pending: set[Future] = {pool.submit(execute, t) for t in tasks}
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            handle(fut.result())


def _run_workspace_stage(
    ws: Workspace,
    catalog: Catalog,
    stage: StagePlan,
    sources: Sequence[Source],
    keys: Mapping[tuple[str, str], str],
    failed: set[tuple[str, str]],
    summary: RunSummary,
    prog: Reporter,
    log_path: Path,
) -> None:
    key = keys[(stage.name, ALL_VIDEOS)]
    path = output_path(ws, stage.name, ALL_VIDEOS, key)
    if path.exists():
        summary.count(stage.name, "cached")
        if (ALL_VIDEOS, key) not in catalog.known_keys(stage.name):
            rows = pq.read_metadata(path).num_rows
            result = Result(stage.name, ALL_VIDEOS, "done", path, rows)
            _record(catalog, summary, result, key, ws, adopted=True)
        return
    bar = prog.add(stage.name, 1)
    start = time.perf_counter()
    try:
        instance = _instance(stage, ws)
        assert isinstance(instance, WorkspaceStage)
        input_paths = {
            i: {
                s.video_id: output_path(ws, i, s.video_id, keys[(i, s.video_id)])
                for s in sources
                if (i, s.video_id) not in failed
            }
            for i in stage.inputs
        }
        table = instance.run_workspace(
            WorkspaceContext(ws, list(sources), instance.settings, input_paths)
        )
        rows = _write(table, instance, path)
        result = Result(stage.name, ALL_VIDEOS, "done", path, rows, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001
        result = _reject(stage.name, ALL_VIDEOS, exc)
    _record(catalog, summary, result, key, ws, log_path)
    prog.advance(bar, result.status)


def _record(
    catalog: Catalog,
    summary: RunSummary,
    result: Result,
    key: str,
    ws: Workspace,
    log_path: Path | None = None,
    adopted: bool = False,
) -> None:
    """Index a finished output in the catalog (after its file was renamed into place).

    `adopted`: the file was finished by an earlier, killed run and is only indexed now
    (already counted as cached)."""
    if result.status == "rejected":
        summary.count(result.stage, "rejected")
        summary.rejects.append(result)
        catalog.record_reject(
            {
                "run_id": summary.run_id,
                "stage": result.stage,
                "video_id": None if result.video_id == ALL_VIDEOS else result.video_id,
                "kind": result.kind or "internal",
                "message": result.reason or "",
            }
        )
        if log_path is not None and result.detail:
            with log_path.open("a") as fh:
                fh.write(f"== {result.stage} {result.video_id}\n{result.detail}\n")
        return
    if not adopted:
        summary.count(result.stage, result.status)
    assert result.path is not None
    catalog.record_output(
        {
            "stage": result.stage,
            "video_id": result.video_id,
            "cache_key": key,
            "status": result.status,
            "reason": result.reason,
            "path": ws.relative(result.path),
            "rows": result.rows,
            "seconds": result.seconds,
            "run_id": summary.run_id,
        }
    )


def stage_status(workspace: Workspace, pipeline: str | None = None) -> list[dict[str, Any]]:
    """Per stage of the pipeline: how many videos are done, skipped, failed or pending."""
    plan = build_plan(workspace, pipeline)
    catalog = Catalog(workspace)
    sources = catalog.sources()
    keys = compute_keys(plan, sources)
    with catalog.connect(read_only=True) as con:
        failed = {
            (stage, vid)
            for stage, vid in con.execute(
                "select stage, coalesce(video_id, '*') from rejects "
                "where run_id = (select run_id from runs where command = 'run' "
                "order by started_at desc limit 1)"
            ).fetchall()
        }
        statuses = {
            (stage, vid, key): status
            for stage, vid, key, status in con.execute(
                "select stage, video_id, cache_key, status from outputs"
            ).fetchall()
        }
    rows = []
    for stage in plan.stages:
        vids = [ALL_VIDEOS] if stage.kind == "workspace" else [s.video_id for s in sources]
        counts = {"done": 0, "skipped": 0, "failed": 0, "pending": 0}
        for vid in vids:
            key = keys[(stage.name, vid)]
            status = statuses.get((stage.name, vid, key))
            if status is None and output_path(workspace, stage.name, vid, key).exists():
                status = "done"
            if status in counts:
                counts[status] += 1
            elif (stage.name, vid) in failed:
                counts["failed"] += 1
            else:
                counts["pending"] += 1
        rows.append({"stage": stage.name, "kind": stage.kind, **counts})
    return rows
