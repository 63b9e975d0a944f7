"""A run's reviews as the server keeps them: the journal's events folded in memory, new lines
(this process's or another's) read incrementally, and the one way to record a review."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from review.dataset import RunData
from review.journal import Journal, reviews_path
from review.models import ReviewError, ReviewEvent, ReviewInput, event_id, now_iso
from review.state import ExampleReviews, fold


class LiveReviews:
    def __init__(self, run: RunData) -> None:
        self.run = run
        self.path = reviews_path(run.path)
        self.journal = Journal(self.path)
        self.events: list[ReviewEvent] = []
        self.by_example: dict[str, ExampleReviews] = {}
        self._read_to = 0
        self.version = 0  # grows with every event read: caches of what reviews imply key on it
        self._lock = threading.RLock()
        self.refresh()

    def refresh(self) -> None:
        with self._lock:
            try:
                size = self.path.stat().st_size
            except OSError:
                return
            if size <= self._read_to:
                return
            new: list[ReviewEvent] = []
            with open(self.path, "rb") as fh:
                fh.seek(self._read_to)
                pos = self._read_to
                for raw in fh:
                    if not raw.endswith(b"\n"):
                        break
                    pos += len(raw)
                    try:
                        new.append(ReviewEvent.model_validate(json.loads(raw)))
                    except ValueError:
                        continue
                self._read_to = pos
            if new:
                self.version += len(new)
                self.events += new
                touched = {e.example for e in new}
                folded = fold(e for e in self.events if e.example in touched)
                self.by_example.update(folded)

    def of(self, example: str) -> ExampleReviews:
        return self.by_example.get(example) or ExampleReviews(example)

    def submit(self, reviewer: str, given: ReviewInput) -> ReviewEvent:
        """Validate against the run, append durably, then fold it in. Raises ``ReviewError``
        (nothing written) for an example the run does not have or an edit out of range."""
        summary = self.run.summaries.get(given.example)
        if summary is None:
            raise ReviewError(f"no example {given.example!r} in {self.run.path.name}")
        if given.action == "edit":
            rec = self.run.get(given.example) or {}
            messages = rec.get("messages", [])
            if (
                given.message_index is None
                or given.message_index >= len(messages)
                or messages[given.message_index].get("role") != "assistant"
            ):
                raise ReviewError("an edit must name one of the example's assistant messages")
        with self._lock:
            self.refresh()
            created = now_iso()
            revision = self.of(given.example).revision() + 1 if given.action == "edit" else None
            event = ReviewEvent(
                **given.model_dump(),
                id=event_id(given.example, reviewer, created, given.action),
                run=self.run.path.name,
                reviewer=reviewer,
                created=created,
                example_sha=summary.sha,
                revision=revision,
            )
            self.journal.append([event.model_dump(mode="json")])
            self.refresh()
        return event


def events_of(run: Path) -> list[ReviewEvent]:
    return LiveReviews(RunData(run)).events
