"""The code itself as facts (``ingest.c.assemble`` calls these): which ``#if`` branches each version
compiles, a definition's text as a version compiles it, ``VersionBlock`` nodes, the wiring
edges (``ASSIGNS``, ``PASSES``, ``REFERS_TO``) and which extern names are linker symbols.

Liveness comes from the parses themselves: every record keeps the ranges its preprocessor
skipped (``Ents.skipped``); a version's ranges for a file are those of the records (main
files) or the header key (headers) that version used. A branch is live in a version when
the version reads the file and did not skip the branch (``ingest.c.blocks.dead``).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ingest.c import defines as c_defines
from ingest.c.blocks import Branch, dead
from kg.facts import Facts


class Liveness:
    """Skipped ranges per version and file, and the #if branches of every scanned file.

    A block of #defines only is judged by the defines probe instead (the outcome of each
    #define's conditions in that version, as the ``Define`` facts are): the TU keys leave
    its outcome out when nothing uses what it defines, so a shared parse cannot tell."""

    def __init__(self, dscan: c_defines.DefineScan, truths: dict[str, dict[str, int]]) -> None:
        self.blocks = dscan.blocks
        self.dscan, self.truths = dscan, truths
        self._ranges: dict[str, dict[str, set[tuple[int, int]]]] = defaultdict(dict)
        self._starts: dict[str, list[int]] = {}
        self._sites: dict[str, dict[int, list[c_defines.DefineSite]]] | None = None
        self._memo: dict[tuple[str, str, int], bool] = {}

    def _sites_in(self, file: str) -> dict[int, list[c_defines.DefineSite]]:
        """The define sites of ``file`` by the line of the branch they sit in directly."""
        if self._sites is None:
            by_file: dict[str, list[c_defines.DefineSite]] = defaultdict(list)
            for sites in self.dscan.sites.values():
                for site in sites:
                    if site.file in self.blocks:
                        by_file[site.file].append(site)
            self._sites = {}
            for f, sites in by_file.items():
                owner: dict[int, list[c_defines.DefineSite]] = defaultdict(list)
                for site in sites:
                    inner = [b for b in self.blocks[f] if b.line < site.line <= b.last]
                    if inner:
                        owner[max(b.line for b in inner)].append(site)
                self._sites[f] = owner
        return self._sites.get(file, {})

    def live(self, vid: str, file: str, b: Branch) -> bool:
        key = (vid, file, b.line)
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = self._live(vid, file, b)
        return got

    def _live(self, vid: str, file: str, b: Branch) -> bool:
        if b.defines_only:
            sites = self._sites_in(file).get(b.line)
            truth = self.truths.get(vid, {})
            if sites and sites[0].conds:  # (none: the #ifndef X/#define X idiom)
                return c_defines.active(sites[:1], truth) is not None
            if b.directive == "else":
                parent = self._branch(file, b.parent)
                if parent is not None and not self.live(vid, file, parent):
                    return False
                return not any(
                    self.live(vid, file, x) for x in self.blocks[file] if x.block == b.block and x.position < b.position
                )
        return not dead(b.line, self.ranges(vid, file))

    def _branch(self, file: str, line: int) -> Branch | None:
        for x in self.blocks.get(file, ()):
            if x.line == line:
                return x
        return None

    def add(self, vid: str, skipped: Iterable[tuple[str, int, int]]) -> None:
        per = self._ranges[vid]
        for f, a, b in skipped:
            got = per.get(f)
            if got is None:
                got = per[f] = set()
            got.add((a, b))

    def ranges(self, vid: str, file: str) -> tuple[tuple[int, int], ...]:
        got = self._ranges.get(vid, {}).get(file)
        return tuple(sorted(got)) if got else ()

    def branches_in(self, file: str, first: int, last: int) -> list[Branch]:
        """The branches of ``file`` with a line (directive, body or #endif) in first..last."""
        bs = self.blocks.get(file)
        if not bs:
            return []
        starts = self._starts.get(file)
        if starts is None:
            starts = self._starts[file] = [b.line for b in bs]
        hi = bisect.bisect_right(starts, last)
        out = []
        for b in bs[:hi]:
            end = max(b.last, b.endif)
            if end >= first:
                out.append(b)
        return out

    def render(self, vid: str, file: str, first: int, text: str) -> str:
        """``text`` (the lines first.. of ``file``) as ``vid`` compiles it: the branches it
        skips and the #if/#elif/#else/#endif lines themselves left out."""
        lines = text.split("\n")
        last = first + len(lines) - 1
        inside = self.branches_in(file, first, last)
        if not inside:
            return text
        drop: set[int] = set()
        for b in inside:
            if not self.live(vid, file, b):
                drop.update(range(b.line, b.last + 1))
            else:
                drop.update(range(b.line, b.line + b.span))
            if b.endif:
                drop.add(b.endif)
        return "\n".join(line for i, line in enumerate(lines, first) if i not in drop)


def per_version_text(live: Liveness, vid: str, file: str, first: int | None, text: str | None) -> str | None:
    """What an entity's IN_VERSION edge to ``vid`` carries as ``text``: for a definition
    that sits inside an #if branch (so other versions may compile another definition of it),
    its text as that version compiles it. Otherwise None: the node's text as written, with
    the version's branches kept (``VersionBlock.versions``), is that version's text. (The
    checkout says which definitions sit in a branch: the edge is the same whatever versions
    are ingested together.)"""
    if text is None or first is None:
        return None
    last = first + text.count("\n")
    if not any(b.line < first and last <= b.last for b in live.branches_in(file, first, last)):
        return None
    return live.render(vid, file, first, text)


def version_block_facts(
    facts: Facts, live: Liveness, file_versions: dict[str, set[str]], order_ids: list[str], only: Any
) -> None:
    """A ``VersionBlock`` per #if branch: where it is, its condition, the versions that
    compile it."""
    for file, branches in live.blocks.items():
        if only is not None and file not in only:
            continue
        fv = file_versions.get(file, set())
        vids = [vid for vid in order_ids if vid in fv]
        for b in branches:
            bid = f"{file}:{b.line}"
            facts.node(
                "VersionBlock",
                id=bid,
                file=file,
                line=b.line,
                last_line=b.last,
                directive=b.directive,
                condition=b.condition,
                text=b.text,
                block=f"{file}:{b.block}",
                endif_line=b.endif or None,
                parent=f"{file}:{b.parent}" if b.parent else None,
                position=b.position,
                versions=[v for v in vids if live.live(v, file, b)],
            )
            if fv:
                facts.rel("DEFINED_IN", bid, file, from_kind="VersionBlock", to_kind="File", line=b.line)


# names the decomp declares only to take their address: ld's segment symbols, ucode
# boundaries, the audio tables' per-entry start/size symbols
_LINKER_NAME = re.compile(
    r"(^_.*Segment(Rom|Bss)?(Start|End)$)|((Text|Data|Bss)(Start|End)$)"
    r"|(_(Start|End|Size)$)"
)
_BYTE_TYPES = frozenset(("u8", "s8", "unsigned char", "signed char"))


def is_linker_symbol(name: str, type_: str, defined: bool, extern: bool) -> bool:
    """A name declared (``extern T name[];``) and never defined in C, whose address is what
    the code uses: declared as bytes (``u8 X[]``) or named as ld names its symbols."""
    if defined or not extern or not type_.endswith("[]"):
        return False
    elem = type_[:-2].strip()  # (a const array is data defined elsewhere: messages, tables)
    return elem in _BYTE_TYPES or _LINKER_NAME.search(name) is not None


class Wiring:
    """The ASSIGNS and PASSES edges of every version's records, merged across versions."""

    def __init__(self) -> None:
        # (setter, function, field key) -> vid -> (struct, field, line, via)
        self.assigns: dict[tuple[str, str, str], dict[str, tuple]] = defaultdict(dict)
        # (caller, function, site) -> vid -> (callee, index, param, line)
        self.passes: dict[tuple[str, str, str], dict[str, tuple]] = defaultdict(dict)
        # global key -> vid -> the functions its initializer names
        self.refs: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)

    def add(self, vid: str, assigns: Iterable[tuple], passes: Iterable[tuple]) -> None:
        for setter, fn, struct, fld, line, via in assigns:
            key = (setter, fn, f"{struct}.{fld}" if struct else fld)
            cur = self.assigns[key].get(vid)
            if cur is None or line < cur[2]:
                self.assigns[key][vid] = (struct, fld, line, via)
        for caller, fn, callee, index, param, line in passes:
            key = (caller, fn, f"{callee}:{index}")
            cur = self.passes[key].get(vid)
            if cur is None or line < cur[3]:
                self.passes[key][vid] = (callee, index, param, line)

    def facts(self, facts: Facts, order_ids: list[str]) -> None:
        for (setter, fn, fkey), per in self.assigns.items():
            vs = [v for v in order_ids if v in per]
            struct, _fld, line, via = per[vs[0]]
            facts.rel(
                "ASSIGNS",
                setter,
                fn,
                from_kind="Function",
                to_kind="Function",
                field=fkey,
                struct=struct or None,
                line=line,
                via=via or None,
                versions=vs,
            )
        for (caller, fn, site), per in self.passes.items():
            vs = [v for v in order_ids if v in per]
            callee, index, param, line = per[vs[0]]
            facts.rel(
                "PASSES",
                caller,
                fn,
                from_kind="Function",
                to_kind="Function",
                site=site,
                callee=callee or None,
                position=index,
                param=param or None,
                line=line,
                versions=vs,
            )


def refers_to(facts: Facts, gid: str, refs: tuple[str, ...]) -> None:
    """``REFERS_TO`` edges from a global to the functions its initializer names (the
    position of each one's first mention)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(refs):
        seen.setdefault(name, i)
    for name, i in seen.items():
        facts.rel("REFERS_TO", gid, name, from_kind="Global", to_kind="Function", position=i)


def code_notes(data: list[Any], dscan: c_defines.DefineScan, limit: int = 5) -> str:
    """What the run report says about source text it could not take as it is: files not
    UTF-8 or changed while read, #if blocks without their #endif (or the reverse)."""
    seen: dict[tuple[str, str], None] = {}
    for d in data:
        for r in [*d.records, *d.extra]:
            for item in getattr(r, "text_notes", ()):
                seen.setdefault(tuple(item), None)
    out = ""
    if seen:
        shown = "; ".join(f"{f}: {what}" for f, what in list(seen)[:limit])
        more = f"; and {len(seen) - limit} more" if len(seen) > limit else ""
        out += f"; source text of {len(seen)} file(s) noted: {shown}{more}"
    if dscan.problems:
        items = [f"{f} {p}" for f, ps in sorted(dscan.problems.items()) for p in ps]
        more = f"; and {len(items) - limit} more" if len(items) > limit else ""
        out += (
            f"; {len(items)} unbalanced #if directive(s) (their blocks end at the end of "
            f"the file): {'; '.join(items[:limit])}{more}"
        )
    return out
