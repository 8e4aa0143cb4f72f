"""Progress for piped output (CI, logs): plain lines on stderr instead of a bar.

A terminal gets rich's bar or spinner (cli/common.py picks); a pipe gets `PlainProgress`
(same `add_task` / `advance` / `update` calls as rich's `Progress`) or `Heartbeat` (a step
without a count), each writing one line when a tenth of the work is done or every
`ORDERHUB_PROGRESS_SECONDS` seconds (default 10), whichever comes first, and one at the end
(a step without a count that ends within the interval writes nothing).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, TextIO, cast

from orderhub.cli.i18n import t

if TYPE_CHECKING:
    from rich.progress import TaskID

DEFAULT_SECONDS = 10.0


def interval() -> float:
    """Seconds between progress lines: ORDERHUB_PROGRESS_SECONDS, else 10."""
    try:
        value = float(os.environ.get("ORDERHUB_PROGRESS_SECONDS", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS
    return value if value > 0 else DEFAULT_SECONDS


@dataclass
class _Task:
    description: str
    total: float | None
    completed: float = 0.0
    started: float = field(default_factory=time.monotonic)
    last_line: float = field(default_factory=time.monotonic)
    last_tenth: int = 0
    finished: bool = False


class PlainProgress:
    """rich.progress.Progress's calls, written as plain lines to `out`."""

    def __init__(self, out: TextIO, *, every_seconds: float = DEFAULT_SECONDS) -> None:
        self.out = out
        self.every = every_seconds
        self.tasks: list[_Task] = []

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            for task in self.tasks:
                if not task.finished:
                    self._line(task, final=True)

    def add_task(self, description: str, total: float | None = None,
                 **_: object) -> TaskID:
        self.tasks.append(_Task(t(description), total))
        return cast("TaskID", len(self.tasks) - 1)

    def advance(self, task_id: int, advance: float = 1) -> None:
        task = self.tasks[task_id]
        task.completed += advance
        self._maybe_line(task)

    def update(self, task_id: int, *, completed: float | None = None,
               total: float | None = None, advance: float | None = None,
               **_: object) -> None:
        task = self.tasks[task_id]
        if total is not None:
            task.total = total
        if completed is not None:
            task.completed = completed
        if advance is not None:
            task.completed += advance
        self._maybe_line(task)

    def _maybe_line(self, task: _Task) -> None:
        now = time.monotonic()
        tenth = int(task.completed * 10 // task.total) if task.total else 0
        if tenth > task.last_tenth or now - task.last_line >= self.every:
            task.last_tenth = max(task.last_tenth, tenth)
            self._line(task, final=bool(task.total and task.completed >= task.total))

    def _line(self, task: _Task, *, final: bool) -> None:
        now = time.monotonic()
        task.last_line = now
        task.finished = task.finished or final
        done = f"{task.completed:,.0f}"
        if task.total:
            done += f"/{task.total:,.0f} ({task.completed / task.total:.0%})"
        state = t("done") if final else ""
        self.out.write(f"{task.description}: {done}, {now - task.started:.1f} s"
                       + (f" {state}" if state else "") + "\n")
        self.out.flush()


class Heartbeat:
    """A step without a count: a line every `every_seconds` while it runs (from a
    thread), and one when it ends if it wrote any (a quick step stays quiet)."""

    def __init__(self, out: TextIO, description: str, *,
                 every_seconds: float = DEFAULT_SECONDS) -> None:
        self.out = out
        self.description = description
        self.every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._started = time.monotonic()
        self.beats = 0

    def _write(self, text: str) -> None:
        self.out.write(f"{self.description}: {text}\n")
        self.out.flush()

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            self.beats += 1
            self._write(t("still working, {seconds} s").format(
                seconds=f"{time.monotonic() - self._started:.1f}"))

    def __enter__(self) -> Heartbeat:
        self._started = time.monotonic()
        self.beats = 0
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        if kind is None and self.beats:
            self._write(t("done in {seconds} s").format(
                seconds=f"{time.monotonic() - self._started:.1f}"))
