"""The progress bar of `ootkg generate`."""

from __future__ import annotations

from typing import Any


class GenerateProgress:
    """A rich progress bar: done/rejected/repaired, tokens, spend and ETA."""

    def __init__(self, console: Any, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]generate"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task("generate", total=total, info="")
        self.started = False

    def __enter__(self) -> GenerateProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self.progress.stop()

    def update(self, stats: Any) -> None:
        if stats.wanted and stats.wanted != self.progress.tasks[0].total:
            self.progress.update(self.task, total=stats.wanted)
        tokens = (
            stats.usage.input_tokens
            + stats.usage.output_tokens
            + stats.usage.cache_read_tokens
            + stats.usage.cache_write_tokens
        )
        info = (
            f"rejected {stats.rejected} dup {stats.duplicates} skip {stats.unsupported} "
            f"repaired {stats.repaired} | {tokens:,} tok ${stats.spent_usd:.3f}"
        )
        if not self.started:
            self.progress.start()
            self.started = True
        self.progress.update(self.task, completed=stats.accepted, info=info)
