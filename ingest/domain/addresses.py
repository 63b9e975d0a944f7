"""RAM addresses per version, each with the source that gives it.

Sources, all merged into ``LOCATED_AT`` edges (entity -> Version; ``source`` tells them
apart, so several sources can give the same entity's address in one version):

- ``baseroms/<v>/segments.csv``: every segment of the version (``IN_VERSION``, ``value`` =
  its dmadata index) and the VRAM start of the code segments (source ``segments.csv``).
- ``baseroms/<v>/config.yml``: named ``variables`` and ``incbins`` (``<name>Start``, with
  size and segment) (source ``config.yml``).
- symbol lists from a data directory (``ingest.domain.symbols.lists``; sources ``disasm``/``z64hdr``).
- GNU ld ``.map`` files of a user's own build (``ingest.domain.mapfile``; source ``map``),
  authoritative for their version.

Checks before anything is kept: a name must exist in the graph (the C facts) and in that
version; z64hdr names are classified Function/Global from the graph; several functions at
one address of one list (aliases) are dropped unless the graph rules all but one out; a
function whose address lies outside its file's overlay is dropped. Each check's rejects
are reported (count + examples). Different addresses for one entity and version from
different sources are reported as conflicts and all kept: nothing is silently resolved.

``size`` on a symbol's edge is the size the source states, else the distance to the next
known symbol (or segment start) of that version, which is what bounds it in ``symbol_at``.
"""

from __future__ import annotations

import bisect
import logging
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingest.domain.baseroms import OVERLAY_SPACE, SegmentRow, read_config_yml, read_segments_csv
from ingest.domain.graph_names import GraphNames
from ingest.domain.symbols.gather import gather_lists
from ingest.domain.symbols.lists import ListsReport, RawSymbol
from ingest.sourceutil import gc_paused, save_report
from kg.facts import Facts

log = logging.getLogger(__name__)

SOURCE_RANK = {"map": 0, "segments.csv": 1, "config.yml": 1, "disasm": 2, "z64hdr": 3}


class Rejects(BaseModel):
    count: int = 0
    examples: list[str] = Field(default_factory=list)

    def add(self, text: str) -> None:
        self.count += 1
        if len(self.examples) < 8:
            self.examples.append(text)


class Conflict(BaseModel):
    kind: str
    name: str
    version: str
    addresses: dict[str, str]  # source -> hex address


class AddressesReport(BaseModel):
    segments: dict[str, int] = Field(default_factory=dict, description="version -> segments")
    located: dict[str, int] = Field(default_factory=dict, description="source -> edges kept")
    lists: ListsReport | None = None
    maps: list[dict[str, Any]] = Field(default_factory=list)
    not_in_graph: dict[str, Rejects] = Field(default_factory=dict, description="source -> names unknown to the graph")
    renamed: dict[str, Rejects] = Field(
        default_factory=dict, description="source -> list names matched to the function the decomp now calls otherwise"
    )
    overridden: Rejects = Field(default_factory=Rejects, description="addresses a map of the user's build replaced")
    not_in_version: Rejects = Field(default_factory=Rejects)
    ambiguous_aliases: Rejects = Field(default_factory=Rejects)
    ambiguous_statics: Rejects = Field(
        default_factory=Rejects, description="static names the address cannot pin to a file"
    )
    outside_segment: Rejects = Field(default_factory=Rejects)
    conflicts: list[Conflict] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)


def symbols_dir(explicit: Path | None = None) -> Path | None:
    """The symbol-list directory: explicit (``--symbols``), else the ``symbols_dir`` setting
    (OOTKG_SYMBOLS_DIR, or the settings' .env file), else none."""
    if explicit is not None:
        return explicit
    env = os.environ.get("OOTKG_SYMBOLS_DIR")
    if env:
        return Path(env)
    from kg.settings import Settings

    return Settings().symbols_dir


# ---------------------------------------------------------------- resolution


def _segment_index(segs: list[SegmentRow]) -> tuple[list[int], list[SegmentRow]]:
    placed = sorted((s for s in segs if s.vram is not None), key=lambda s: s.vram or 0)
    return [s.vram or 0 for s in placed], placed


def segment_at(index: tuple[list[int], list[SegmentRow]], address: int) -> SegmentRow | None:
    starts, placed = index
    i = bisect.bisect_right(starts, address) - 1
    if i < 0:
        return None
    s = placed[i]
    if s.size is not None and address >= (s.vram or 0) + s.size:
        return None
    return s


def _renames(
    symbols: list[RawSymbol], names: GraphNames, orders: dict[str, list[str]], report: AddressesReport
) -> None:
    """Give the list names the decomp has renamed since their function's name today, where
    the address and the file agree (``ingest.domain.symbols.renames``)."""
    from ingest.domain.symbols.renames import group_by_list, match_renames

    lists = [
        s
        for s in symbols
        if s.source not in ("map", "config.yml") and s.kind in ("Function", None) and s.name not in names.global_keys
    ]
    for (source, version), group in group_by_list(lists).items():
        units = orders.get(version)
        if not units or all(names.kind_of(s.name) is not None for s in group):
            continue
        order = names.link_order(version, units)
        got = match_renames(group, order, lambda n: names.kind_of(n) is not None)
        for s in group:
            new = got.get(id(s))
            if new is not None:
                report.renamed.setdefault(source, Rejects()).add(f"{s.name} -> {new} ({version}, {s.origin})")
                s.renamed_from, s.name, s.kind = s.name, new, "Function"


def resolve(
    symbols: list[RawSymbol],
    names: GraphNames | None,
    segments: dict[str, list[SegmentRow]],
    report: AddressesReport,
    orders: dict[str, list[str]] | None = None,
) -> list[RawSymbol]:
    """Keep the symbols the checks accept, with a kind, a segment and a size. ``orders``:
    each version's sources in link order, to match list names renamed since."""
    if names is not None and orders:
        _renames(symbols, names, orders, report)
    kept = _without_aliases([s for s in symbols if _known(s, names, report)], report)
    seg_index = {v: _segment_index(rows) for v, rows in segments.items()}
    out = [s for s in kept if _placed(s, names, segments, seg_index, report)]
    if names is not None:
        for s in out:
            if s.size is None and s.kind == "Global":
                s.size = names.global_size(s.key or s.name, s.version)
    # Every address a source gives bounds the symbol before it, even when its name was
    # rejected (renamed since, or an alias): a symbol starts there all the same.
    _sizes(out, segments, [(s.version, s.address) for s in symbols])
    return _conflicts(out, report)


def _known(s: RawSymbol, names: GraphNames | None, report: AddressesReport) -> bool:
    """Is the symbol a function or global the C facts have in its version? (Its kind is then
    theirs.) Without the C facts, a symbol whose list gives no kind is not kept."""
    if names is not None:
        gkind = names.kind_of(s.name)
        if gkind is None or (s.kind is not None and s.kind != gkind):
            why = "" if gkind is None else f", a {gkind} in the graph"
            report.not_in_graph.setdefault(s.source, Rejects()).add(f"{s.name} ({s.origin}{why})")
            return False
        s.kind = gkind
        if not names.in_version(gkind, s.name, s.version):
            report.not_in_version.add(f"{s.name} not in {s.version} ({s.origin})")
            return False
    elif s.kind is None:
        report.not_in_graph.setdefault(s.source, Rejects()).add(
            f"{s.name} ({s.origin}: kind unknown without the C facts)"
        )
        return False
    return True


def _without_aliases(kept: list[RawSymbol], report: AddressesReport) -> list[RawSymbol]:
    """Aliases: several functions at one address of one list (all of them are dropped)."""
    by_addr: dict[tuple[str, str, int], list[RawSymbol]] = defaultdict(list)
    for s in kept:
        if s.kind == "Function":
            by_addr[(s.source, s.version, s.address)].append(s)
    dropped: set[int] = set()
    for (source, version, addr), group in by_addr.items():
        if len({g.name for g in group}) > 1:
            report.ambiguous_aliases.add(
                f"{' / '.join(sorted({g.name for g in group}))} at 0x{addr:08X} ({source}, {version})"
            )
            dropped.update(id(g) for g in group)
    return [s for s in kept if id(s) not in dropped]


def _placed(
    s: RawSymbol,
    names: GraphNames | None,
    segments: dict[str, list[SegmentRow]],
    seg_index: dict[str, tuple[list[int], list[SegmentRow]]],
    report: AddressesReport,
) -> bool:
    """The segment at the symbol's address (a global's key with it: a static is its file's);
    a function must lie in its file's segment."""
    idx = seg_index.get(s.version)
    seg = segment_at(idx, s.address) if idx else None
    if s.segment is None and seg is not None:
        s.segment = seg.name
    if names is not None and s.kind == "Global":
        s.key = names.global_key(s.name, s.version, seg.name if seg is not None else None)
        if s.key is None:
            report.ambiguous_statics.add(
                f"{s.name} at 0x{s.address:08X}: a static of "
                f"{len(names.global_keys_in(s.name, s.version))} files, none or several "
                f"in segment {seg.name if seg is not None else '?'} ({s.origin})"
            )
            return False
    want = names.segment_of.get(s.name) if names is not None and s.kind == "Function" else None
    # Only overlays are checked: a file's static segment can differ between versions
    # (libc is in boot in debug ROMs, in code in retail ones) and the C facts hold one.
    if want is None or seg is None or not idx:
        return True
    overlay = want.startswith("ovl_") or seg.name.startswith("ovl_")
    if overlay and seg.name != want and any(r.name == want and r.vram is not None for r in segments.get(s.version, [])):
        report.outside_segment.add(
            f"{s.name} at 0x{s.address:08X} is in {seg.name}, its file is in {want} ({s.origin})"
        )
        return False
    return True


def _sizes(symbols: list[RawSymbol], segments: dict[str, list[SegmentRow]], starts: list[tuple[str, int]]) -> None:
    """Unstated sizes: up to the next symbol start or segment boundary of the version."""
    by_version: dict[str, list[int]] = defaultdict(list)
    for v, a in starts:
        by_version[v].append(a)
    for v, rows in segments.items():
        for r in rows:
            if r.vram is not None:
                by_version[v].append(r.vram)
                if r.size:
                    by_version[v].append(r.vram + r.size)
    bounds = {v: sorted(set(a)) for v, a in by_version.items()}
    for s in symbols:
        if s.size is not None:
            continue
        b = bounds[s.version]
        i = bisect.bisect_right(b, s.address)
        if i < len(b) and (b[i] < OVERLAY_SPACE) == (s.address < OVERLAY_SPACE):
            s.size = b[i] - s.address


def _conflicts(symbols: list[RawSymbol], report: AddressesReport) -> list[RawSymbol]:
    """Report every symbol whose sources disagree on its address in a version. A map of the
    user's own build wins: the others' edges for that symbol and version are left out (and
    counted as overridden); between other sources both stay."""
    seen: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for s in symbols:
        seen[(s.kind or "", s.key or s.name, s.version)].setdefault(s.source, s.address)
    beaten: set[tuple[str, str, str, str]] = set()
    for (kind, name, version), by_src in seen.items():
        if len(set(by_src.values())) > 1:
            report.conflicts.append(
                Conflict(
                    kind=kind,
                    name=name,
                    version=version,
                    addresses={
                        src: f"0x{a:08X}" for src, a in sorted(by_src.items(), key=lambda x: SOURCE_RANK.get(x[0], 9))
                    },
                )
            )
            if "map" in by_src:
                for src, a in by_src.items():
                    if a != by_src["map"]:
                        beaten.add((kind, name, version, src))
                        report.overridden.add(f"{name} in {version}: {src} 0x{a:08X}, map 0x{by_src['map']:08X}")
    if not beaten:
        return symbols
    return [s for s in symbols if (s.kind or "", s.key or s.name, s.version, s.source) not in beaten]


# ---------------------------------------------------------------- facts


def address_facts(
    checkout_root: Path,
    versions: list[str],
    *,
    names: GraphNames | None,
    symbols_directory: Path | None = None,
    map_symbols: list[RawSymbol] | None = None,
    map_segments: list[SegmentRow] | None = None,
    builtin: bool = False,
    cache_dir: Path | None = None,
    orders: dict[str, list[str]] | None = None,
) -> tuple[Facts, AddressesReport]:
    """``builtin``: the checkout's git history and ootkg's shipped lists serve the versions
    ``symbols_directory`` has no list for (``ingest.domain.symbols.gather.gather_lists``)."""
    facts = Facts()
    report = AddressesReport()
    segments: dict[str, list[SegmentRow]] = {}
    raw: list[RawSymbol] = []
    for v in versions:
        base = checkout_root / "baseroms" / v
        if (base / "segments.csv").is_file():
            segments[v] = read_segments_csv(base / "segments.csv", v, report.problems)
        if (base / "config.yml").is_file():
            raw.extend(read_config_yml(base / "config.yml", v, report.problems))
    lists, lreport = gather_lists(symbols_directory, checkout_root, versions, cache_dir, builtin)
    report.lists = lreport
    raw.extend(lists)
    raw.extend(map_symbols or [])
    kept = resolve(raw, names, segments, report, orders)

    # Segments whose end segments.csv cannot tell (the last of an address space): up to the
    # end of the last symbol known in them.
    ends: dict[tuple[str, str], int] = {}
    for k in kept:
        if k.segment:
            end = k.address + (k.size or 0)
            ends[(k.version, k.segment)] = max(ends.get((k.version, k.segment), 0), end)
    for v, rows in segments.items():
        for r in rows:
            if r.size is None and r.vram is not None and ends.get((v, r.name), 0) > r.vram:
                r.size = ends[(v, r.name)] - r.vram
    seg_in_version: list[dict[str, Any]] = []
    seg_located: list[dict[str, Any]] = []
    for v, rows in segments.items():
        report.segments[v] = len(rows)
        for r in rows:
            facts.node("Segment", name=r.name)
            seg_in_version.append({"from": r.name, "to": v, "value": r.index})
            if r.vram is not None:
                seg_located.append(
                    {
                        "from": r.name,
                        "to": v,
                        "address": r.vram,
                        "hex": f"0x{r.vram:08X}",
                        "size": r.size,
                        "source": "segments.csv",
                    }
                )
    facts.add_rels("IN_VERSION", "Segment", "Version", seg_in_version)
    facts.add_rels("LOCATED_AT", "Segment", "Version", seg_located)
    for r in map_segments or []:
        if r.vram is not None:
            facts.node("Segment", name=r.name)
            facts.rel(
                "LOCATED_AT",
                r.name,
                r.version,
                from_kind="Segment",
                to_kind="Version",
                address=r.vram,
                hex=f"0x{r.vram:08X}",
                size=r.size,
                source="map",
            )
    located: dict[str, list[dict[str, Any]]] = defaultdict(list)
    linker = names.linker if names is not None else set()
    for s in kept:
        kind = "LinkerSymbol" if s.kind == "Global" and (s.key or s.name) in linker else s.kind
        located[kind or ""].append(
            {
                "from": s.key or s.name,
                "to": s.version,
                "address": s.address,
                "hex": f"0x{s.address:08X}",
                "size": s.size,
                "source": s.source,
                "segment": s.segment,
                "provenance": s.provenance,
                "listed_as": s.renamed_from,
            }
        )
        report.located[s.source] = report.located.get(s.source, 0) + 1
    for kind, located_rows in located.items():
        facts.add_rels("LOCATED_AT", kind, "Version", located_rows)
    return facts, report


def _addresses_source(ctx: Any) -> Facts:
    """Pipeline source: segments.csv, config.yml, the symbol lists (``ctx.symbols_dir`` or
    OOTKG_SYMBOLS_DIR) and the registered map files (``ctx.maps``). A map built for another
    version raises ``MapError`` before anything is written."""
    from ingest.domain.mapfile import check_map, map_symbols, parse_map

    versions = [v.id for v in ctx.versions]
    root = Path(ctx.checkout.root)
    directory = symbols_dir(getattr(ctx, "symbols_dir", None))
    msyms: list[RawSymbol] = []
    msegs: list[SegmentRow] = []
    checks = []
    for m in ctx.maps:
        if m.version not in versions:
            continue
        mc = parse_map(Path(m.path))
        check = check_map(mc, m.version, root, versions, directory, ctx.cache_dir)
        checks.append(check.model_dump())
        if check.warning:
            log.warning("%s", check.warning)
        s, g = map_symbols(mc, m.version)
        msyms.extend(s)
        msegs.extend(g)
    facts, report = address_facts(
        root,
        versions,
        names=GraphNames.from_facts(ctx.c_facts),
        symbols_directory=directory,
        map_symbols=msyms,
        map_segments=msegs,
        builtin=True,
        cache_dir=ctx.cache_dir,
        orders=ctx.stats.get("link_order"),
    )
    report.maps = checks
    ctx.stats.setdefault("domain", {})["addresses"] = report
    for src, rej in report.not_in_graph.items():
        log.info("addresses: %d %s names not in the graph, e.g. %s", rej.count, src, ", ".join(rej.examples[:3]))
    for c in report.conflicts[:20]:
        log.warning("addresses: %s %s in %s: sources disagree: %s", c.kind, c.name, c.version, c.addresses)
    path = save_report(ctx.cache_dir, "addresses", report)
    renamed = sum(r.count for r in report.renamed.values())
    ctx.notes["addresses"] = (
        ", ".join(f"{n} from {s}" for s, n in report.located.items())
        + (f" ({_lists_note(report.lists)})" if report.lists and report.lists.lists else "")
        + (f"; {renamed} list names matched to today's by address and file" if renamed else "")
        + f"; {sum(r.count for r in report.not_in_graph.values())} names not in the graph"
        + f"; {len(report.conflicts)} conflicts"
        + (f", {report.overridden.count} list addresses replaced by your map" if report.overridden.count else "")
        + f" (details: {path})"
    )
    return facts


def _lists_note(lists: ListsReport) -> str:
    """Which lists served which versions, by where they came from."""
    by_where: dict[str, set[str]] = defaultdict(set)
    for rel, where in lists.provenance.items():
        head = (
            "your directory"
            if where.startswith("directory ")
            else "the checkout's git history"
            if where.startswith("checkout history")
            else "ootkg's copy of " + where.split("@", 1)[0]
        )
        by_where[head].add(rel.split("/", 1)[0].removeprefix("z64hdr-"))
    return "; ".join(f"lists of {', '.join(sorted(v))} from {w}" for w, v in by_where.items())


def addresses_source(ctx: Any) -> Facts:
    """Pipeline source (see ``_addresses_source``). The cyclic GC is paused meanwhile: the source
    allocates ~10^5 acyclic rows, and generation scans of a large live heap cost seconds."""
    with gc_paused():
        return _addresses_source(ctx)
