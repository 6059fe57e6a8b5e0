"""Progress: a rich bar per stage on a terminal, plain log lines otherwise (CI, pipes)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Reporter(Protocol):
    def __enter__(self) -> Reporter: ...
    def __exit__(self, *exc: object) -> None: ...
    def add(self, label: str, total: int) -> int: ...
    def advance(self, task: int, note: str = "") -> None: ...


def console() -> Console:
    return Console(stderr=True, soft_wrap=True)


def reporter(force_plain: bool = False) -> Reporter:
    """A rich progress display on a TTY, plain lines elsewhere."""
    if not force_plain and sys.stderr.isatty():
        return RichReporter()
    return PlainReporter()


class RichReporter:
    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console(),
        )
        self._started: dict[int, float] = {}

    def __enter__(self) -> RichReporter:
        self._progress.__enter__()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.__exit__(et, ev, tb)

    def add(self, label: str, total: int) -> int:
        task = self._progress.add_task(label, total=total, rate="")
        self._started[task] = time.monotonic()
        return task

    def advance(self, task: int, note: str = "") -> None:
        self._progress.advance(task)
        done = self._progress.tasks[task].completed
        elapsed = max(time.monotonic() - self._started[task], 1e-9)
        self._progress.update(task, rate=f"{done / elapsed:.2f} videos/s")


class PlainReporter:
    def __init__(self) -> None:
        self._tasks: dict[int, list] = {}

    def __enter__(self) -> PlainReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add(self, label: str, total: int) -> int:
        task = len(self._tasks)
        self._tasks[task] = [label, total, 0, time.monotonic()]
        print(f"[{label}] {total} video(s) to process", file=sys.stderr, flush=True)
        return task

    def advance(self, task: int, note: str = "") -> None:
        entry = self._tasks[task]
        entry[2] += 1
        elapsed = time.monotonic() - entry[3]
        print(
            f"[{entry[0]}] {entry[2]}/{entry[1]} {note} ({elapsed:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
