"""GNU ld ``.map`` files from a user's own build of the decomp (``build/<v>/oot-<v>.map``).

A map is authoritative for the version it was built for: every function and variable the
linker placed, with its address, and every segment's VRAM start and size. The decomp's
linker script (``tools/mkldscript.c``) names output sections ``..<segment>`` and
``..<segment>.bss`` and defines ``_<segment>SegmentStart``/``...End`` symbols.

Read here:
- output sections ``..name ADDR SIZE`` -> the segment and its extent;
- input sections `` .text ADDR SIZE file`` -> the kind of the symbols that follow
  (``.text*`` = functions, anything else = variables);
- symbol lines ``ADDR name`` inside an input section -> a function or variable;
- assignments ``ADDR _xSegmentStart = .`` -> segment boundaries (used for the check).

Before a map is used, ``check_map`` compares anchor addresses it holds (segment starts
from ``baseroms/<v>/segments.csv``, ``config.yml`` variables, symbol-list entries) with
every version's known values and refuses a map that matches another version better than
the one it was given for.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from ingest.domain.baseroms import SegmentRow, read_config_yml, read_segments_csv
from ingest.domain.symbols.gather import gather_lists
from ingest.domain.symbols.lists import RawSymbol


class MapError(ValueError):
    """A map that cannot be used: unreadable, empty, or built for another version."""


@dataclass
class MapContents:
    path: str
    # name, address, kind, segment, end of its input section (None when not stated)
    symbols: list[tuple[str, int, str, str, int | None]] = field(default_factory=list)
    segments: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (start, size)
    markers: dict[str, int] = field(default_factory=dict)  # linker-script assignments
    skipped_lines: int = 0


_HEXNUM = r"0x[0-9a-fA-F]+"
_OUT_SECTION = re.compile(
    rf"^\.\.(?P<name>[\w.]+?)(?P<bss>\.bss)?"
    rf"(?:\s+(?P<addr>{_HEXNUM})\s+(?P<size>{_HEXNUM}))?(?:\s|$)"
)
_IN_SECTION = re.compile(
    rf"^ (?P<sect>\.[\w.$]+|COMMON)"
    rf"(?:\s+(?P<addr>{_HEXNUM})\s+(?P<size>{_HEXNUM})\s*(?P<file>\S.*)?)?\s*$"
)
_CONT = re.compile(rf"^\s+(?P<addr>{_HEXNUM})\s+(?P<size>{_HEXNUM})\s*(?P<file>\S.*)?$")
_SYMBOL = re.compile(rf"^\s+(?P<addr>{_HEXNUM})\s+(?P<name>[A-Za-z_.$][\w.$]*)\s*$")
_LABEL = re.compile(r"\.?L[0-9A-Fa-f]{8}|\.L\w+")
_ASSIGN = re.compile(rf"^\s+(?P<addr>{_HEXNUM})\s+(?P<name>[A-Za-z_.$][\w.$]*)\s*=")


def _addr(text: str) -> int:
    return int(text, 16) & 0xFFFFFFFF


def parse_map(path: Path) -> MapContents:
    """Symbols, segments and markers of a GNU ld map (32- or 64-bit address columns)."""
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        raise MapError(f"Cannot read the map file {path}: {e}") from None
    out = MapContents(path=str(path))
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Linker script and memory map")), 0)
    segment: str | None = None
    section: str | None = None  # current input section name
    section_end: int | None = None
    pending_out: str | None = None
    pending_in: str | None = None
    for line in lines[start:]:
        if not line.strip():
            continue
        if pending_out is not None:
            m = _CONT.match(line)
            if m:
                base = pending_out
                if not base.endswith(".bss"):
                    out.segments[base] = (_addr(m["addr"]), int(m["size"], 16))
            pending_out = None
            if m:
                continue
        if pending_in is not None:
            m = _CONT.match(line)
            pending_in = None
            if m:
                section_end = _addr(m["addr"]) + int(m["size"], 16)
                continue
        m = _OUT_SECTION.match(line)
        if m:
            name = m["name"]
            segment = name
            section = None
            if m["addr"] is None:
                pending_out = name + (".bss" if m["bss"] else "")
            elif not m["bss"]:
                out.segments[name] = (_addr(m["addr"]), int(m["size"], 16))
            continue
        if line.startswith(" ") and not line.startswith("  "):
            m = _IN_SECTION.match(line)
            if m:
                section = m["sect"]
                section_end = None
                if m["addr"] is None:
                    pending_in = section
                else:
                    section_end = _addr(m["addr"]) + int(m["size"], 16)
                continue
        m = _ASSIGN.match(line)
        if m:
            out.markers[m["name"]] = _addr(m["addr"])
            continue
        m = _SYMBOL.match(line)
        if m and _LABEL.fullmatch(m["name"]):
            continue  # a jump-table label inside a function, not a symbol of its own
        if m and segment is not None and section is not None:
            kind = "Function" if section.startswith(".text") else "Global"
            out.symbols.append((m["name"], _addr(m["addr"]), kind, segment, section_end))
            continue
        out.skipped_lines += 1
    if not out.symbols and not out.segments:
        raise MapError(
            f"{path} has no linker symbols or segments: is it a GNU ld map file (build/<version>/oot-<version>.map)?"
        )
    return out


def map_segment_starts(mc: MapContents) -> dict[str, int]:
    starts = {n: a for n, (a, _s) in mc.segments.items()}
    for name, addr in mc.markers.items():
        if name.startswith("_") and name.endswith("SegmentStart"):
            starts.setdefault(name[1 : -len("SegmentStart")], addr)
    return starts


class VersionScore(BaseModel):
    version: str
    compared: int
    matched: int

    @property
    def ratio(self) -> float:
        return self.matched / self.compared if self.compared else 0.0


class MapCheck(BaseModel):
    path: str
    version: str
    symbols: int
    segments: int
    scores: list[VersionScore] = Field(default_factory=list)
    warning: str | None = None


def _anchors(root: Path, version: str, lists: list[RawSymbol]) -> dict[str, int]:
    problems: list[str] = []
    anchors: dict[str, int] = {}
    base = root / "baseroms" / version
    if (base / "segments.csv").is_file():
        for r in read_segments_csv(base / "segments.csv", version, problems):
            if r.vram is not None:
                anchors[f"segment:{r.name}"] = r.vram
    if (base / "config.yml").is_file():
        for s in read_config_yml(base / "config.yml", version, problems):
            anchors[f"symbol:{s.name}"] = s.address
    for s in lists:
        if s.version == version:
            anchors.setdefault(f"symbol:{s.name}", s.address)
    return anchors


def check_map(
    mc: MapContents,
    version: str,
    root: Path,
    versions: list[str],
    symbols_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> MapCheck:
    """Refuse (MapError) a map whose anchors match another version better than ``version``.
    The anchors: segments.csv, config.yml and the symbol lists (``symbols_dir``, else the
    checkout's history or ootkg's copy)."""
    have = {f"segment:{n}": a for n, a in map_segment_starts(mc).items()}
    have.update({f"symbol:{n}": a for n, a, _k, _s, _e in mc.symbols})
    scores: list[VersionScore] = []
    lists, _ = gather_lists(symbols_dir, root, versions, cache_dir)
    for v in versions:
        anchors = _anchors(root, v, lists)
        common = [k for k in anchors if k in have]
        scores.append(VersionScore(version=v, compared=len(common), matched=sum(anchors[k] == have[k] for k in common)))
    check = MapCheck(path=mc.path, version=version, symbols=len(mc.symbols), segments=len(mc.segments), scores=scores)
    mine = next((s for s in scores if s.version == version), None)
    if mine is None:
        raise MapError(f"Unknown version {version!r} for {mc.path}: this checkout has {', '.join(versions)}.")
    best = max(scores, key=lambda s: (s.ratio, s.matched))
    if best.version != version and best.ratio > mine.ratio and best.ratio >= 0.5:
        raise MapError(
            f"{mc.path} does not look like a {version} map: {mine.matched} of {mine.compared} "
            f"known {version} addresses match it, but {best.matched} of {best.compared} "
            f"{best.version} addresses do. Re-run with --version {best.version}, or point "
            f"--map at build/{version}/oot-{version}.map."
        )
    if mine.compared and mine.ratio < 0.5:
        check.warning = (
            f"only {mine.matched} of {mine.compared} known {version} addresses match "
            f"{mc.path}: a modified build? Its addresses are used as given."
        )
    elif not mine.compared:
        check.warning = f"no known {version} address to check {mc.path} against"
    return check


def map_symbols(mc: MapContents, version: str) -> tuple[list[RawSymbol], list[SegmentRow]]:
    """The map's symbols and segments as address facts (source ``map``), linker markers out.

    A symbol's size is the distance to the next symbol of the map, bounded by the end of
    its input section: the map lists everything the linker placed, so the gap is exact up
    to alignment padding."""
    placed = sorted(((a, e) for _n, a, _k, _s, e in mc.symbols))
    starts = [a for a, _e in placed]
    syms = []
    for name, addr, kind, seg, end in mc.symbols:
        if name.startswith("_") and "Segment" in name:
            continue
        i = bisect.bisect_right(starts, addr)
        nxt = starts[i] if i < len(starts) else None
        limit = min(x for x in (nxt, end) if x is not None) if (nxt or end) else None
        size = limit - addr if limit is not None and limit > addr else None
        syms.append(
            RawSymbol(
                name,
                addr,
                version,
                "map",
                kind,
                size,
                None,
                Path(mc.path).name,
                segment=seg,
                provenance=f"map {mc.path}",
            )
        )
    segs = [
        SegmentRow(name, version, i, start, size or None) for i, (name, (start, size)) in enumerate(mc.segments.items())
    ]
    return syms, segs


def verify_map(
    path: Path,
    version: str,
    checkout_root: Path,
    versions: list[str],
    symbols_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> MapCheck:
    """Parse and check a map before registering it (``ootkg ingest --map X --version V``):
    raises ``MapError`` with a message a user can act on when it is unreadable or built for
    another version."""
    if not path.is_file():
        raise MapError(f"No map file at {path}. A build of the decomp writes it to build/{version}/oot-{version}.map.")
    return check_map(parse_map(path), version, checkout_root, versions, symbols_dir, cache_dir)
