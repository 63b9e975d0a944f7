"""Pieces of the generation loop with no state of their own: the lazy work queue and the
choice of code provider."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generate.models import PlanItem

log = logging.getLogger(__name__)


class LazyQueue:
    """A deque over a lazy iterator: popleft/appendleft/truth, pulling items on demand."""

    def __init__(self, items: Iterator[PlanItem] | Any) -> None:
        self._it = iter(items)
        self._front: deque[PlanItem] = deque()

    def _fill(self) -> bool:
        if self._front:
            return True
        nxt = next(self._it, None)
        if nxt is None:
            return False
        self._front.append(nxt)
        return True

    def __bool__(self) -> bool:
        return self._fill()

    def popleft(self) -> PlanItem:
        if not self._fill():
            raise IndexError("empty plan")
        return self._front.popleft()

    def appendleft(self, item: PlanItem) -> None:
        self._front.appendleft(item)

    def __iter__(self) -> Iterator[PlanItem]:
        while self._fill():
            yield self._front.popleft()


# what the loops take items from: the plan's lazy queue, or a deque when resuming batches
WorkQueue = deque[PlanItem] | LazyQueue


def code_provider(store: Any, q: Any, decomp: Path | None) -> Any:
    """The graph's code (issue 16) when the graph holds source text, with the checkout as
    the fallback for what the graph does not hold (tables, spec, asset XML); the checkout
    alone for a graph without code facts (``--decomp``, OOTKG_DECOMP, OOT_DECOMP, or the
    IngestRun's recorded path); else no code."""
    import os

    from generate.code import NoCode
    from generate.code.graph import GraphCode, has_code

    cands: list[Any] = [decomp, os.environ.get("OOTKG_DECOMP"), os.environ.get("OOT_DECOMP")]
    try:
        rows = store.run("MATCH (r:IngestRun) RETURN r.decomp_path AS p")
        cands += [r.get("p") for r in rows]
    except Exception:  # noqa: BLE001 - an older graph without the property
        pass
    checkout = None
    for c in cands:
        if c and (Path(c) / "include" / "versions.h").is_file():
            from generate.code.checkout import CheckoutCode

            checkout = CheckoutCode(Path(c), q)
            break
    if has_code(store):
        return GraphCode(store, q, fallback=checkout)
    if checkout is not None:
        log.info(
            "the graph has no source text (ingest it again for issue 16's code facts): "
            "code is read from the checkout %s",
            checkout.root,
        )
        return checkout
    log.warning("no code in the graph and no decomp checkout found (--decomp, OOTKG_DECOMP): contexts carry no code")
    return NoCode()
