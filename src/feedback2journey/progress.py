"""Progress reporting that the library can call without knowing about terminals.

``Reporter`` is a no-op; ``RichReporter`` draws rich progress bars (rows/s and ETA). The CLI picks one.
"""
from __future__ import annotations

from contextlib import contextmanager


class Reporter:
    """Silent reporter: the default for the Python API and ``--quiet``."""

    @contextmanager
    def step(self, description: str, total: int | None = None):
        yield lambda n=1: None

    def info(self, message: str) -> None:
        pass


class RichReporter(Reporter):
    def __init__(self, console=None):
        from rich.console import Console

        self.console = console or Console(stderr=True)

    @contextmanager
    def step(self, description: str, total: int | None = None):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        columns = [SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("[progress.data.speed]{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task(description, total=total, rate="")

            def advance(n: int = 1) -> None:
                progress.advance(task, n)
                speed = progress.tasks[0].speed
                if speed:
                    progress.update(task, rate=f"{speed:,.0f}/s")

            yield advance

    def info(self, message: str) -> None:
        self.console.print(message)

