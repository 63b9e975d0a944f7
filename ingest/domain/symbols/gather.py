"""Where each version's symbol lists come from (``gather_lists``): the user's directory, the
checkout's git history (``history``), the copy shipped with ootkg (``pack``); the formats are
read by ``lists``. Above all three, which build on ``lists``."""

from __future__ import annotations

from pathlib import Path

from ingest.domain.symbols.history import lists_in_history
from ingest.domain.symbols.lists import ListsReport, RawSymbol, lists_in_dir
from ingest.domain.symbols.pack import packed_lists


def gather_lists(
    directory: Path | None, root: Path, versions: list[str], cache_dir: Path | None, builtin: bool = True
) -> tuple[list[RawSymbol], ListsReport]:
    """The symbols of every list for the selected versions: per (version, list), the user's
    directory's, else the checkout's git history's, else the shipped copy's (``builtin``)."""
    report = ListsReport(directory=str(directory) if directory else None)
    chosen: dict[tuple[str, str], list[RawSymbol]] = {}
    if directory is not None:
        chosen.update(lists_in_dir(directory, versions, report))
    if builtin:
        for provider in (lists_in_history, packed_lists):
            sub = ListsReport()
            got = provider(root, versions, cache_dir, sub)
            fresh = {k: v for k, v in got.items() if k not in chosen}
            chosen.update(fresh)
            kept_files = {s.origin.rsplit(":", 1)[0] for v in fresh.values() for s in v}
            for rel, n in sub.lists.items():
                if rel in kept_files:
                    report.lists[rel] = n
                    report.provenance[rel] = sub.provenance.get(rel, "")
            report.placeholders_skipped += sub.placeholders_skipped
            report.problems.extend(p for p in sub.problems if p.file in kept_files or p.line is None)
    return [s for syms in chosen.values() for s in syms], report
