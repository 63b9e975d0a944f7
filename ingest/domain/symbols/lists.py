"""Per-version symbol lists: the formats. Where the lists come from
(``ingest.domain.symbols.gather.gather_lists``; per version and list, the first that has it):
1. a directory the user names (``--symbols DIR``, ``OOTKG_SYMBOLS_DIR``);
2. the checkout's own git history, when it is a full clone (``ingest.domain.symbols.history``: the
   decomp kept ``tools/disasm/<version>/functions.txt`` in its tree until 2024-25);
3. the copy shipped with ootkg (``ingest.domain.symbols.pack``: those lists and z64hdr's, as data,
   each with the repository, commit and path it was taken from).
Every symbol carries that provenance (``RawSymbol.provenance``).

Two formats, detected per directory:

- ``<version>/functions.txt`` and ``variables.txt`` (the decomp's old disassembly lists):
  ``Name = 0x80XXXXXX; // type:func`` or ``// size:0x.. type:T``. Source ``disasm``.
- ``z64hdr-<rom>/sym_*.ld`` (z64hdr linker scripts): ``Name = 0x80XXXXXX;`` with no kind;
  commented-out entries (``/* Name = 0x... DebugAddr */``) are debug-ROM placeholders and
  are NOT facts about the list's version, so they are skipped. Source ``z64hdr``.
  ``oot_u10`` is ntsc-1.0 and ``oot_mq_debug`` gc-eu-mq-dbg; other ROM names are reported.

Lines with an unreadable address are reported (file:line) and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

Z64HDR_ROMS = {"oot_u10": "ntsc-1.0", "oot_u11": "ntsc-1.1", "oot_u12": "ntsc-1.2", "oot_mq_debug": "gc-eu-mq-dbg"}


@dataclass(slots=True)
class RawSymbol:
    name: str
    address: int
    version: str
    source: str
    kind: str | None  # "Function" | "Global" | None (list does not say)
    size: int | None
    type: str | None
    origin: str  # file:line
    segment: str | None = None
    key: str | None = None  # the graph node's key, where it is not the name (a static global)
    provenance: str | None = None  # the list's repository@commit:path, or its directory
    renamed_from: str | None = None  # the list's own name, when matched to a renamed one


class ListProblem(BaseModel):
    file: str
    line: int | None = None
    message: str


class ListsReport(BaseModel):
    directory: str | None = None
    lists: dict[str, int] = Field(default_factory=dict, description="file -> symbols read")
    provenance: dict[str, str] = Field(default_factory=dict, description="file -> where it was taken from")
    placeholders_skipped: int = 0
    problems: list[ListProblem] = Field(default_factory=list)


_Z64 = re.compile(r"^\s*([A-Za-z_.$][\w.$]*)\s*=\s*(\S+?)\s*;?\s*(?:/\*.*\*/)?\s*$")
_ATTR = re.compile(r"(\w+):(\S+)")


_HEX = re.compile(r"0[xX][0-9A-Fa-f]{1,16}")
RAM_START, RAM_END = 0x80000000, 0x81000000  # KSEG0: where the game's code and data live


def parse_address(text: str, ram: bool = True) -> int | None:
    """A hex address (a RAM address in KSEG0 unless ``ram`` is False), else None."""
    t = text.strip().rstrip(";")
    if not _HEX.fullmatch(t):
        return None
    value = int(t, 16) & 0xFFFFFFFF
    if ram and not RAM_START <= value < RAM_END:
        return None
    return value


_DISASM_LINE = re.compile(
    r"^[ \t]*([A-Za-z_$][\w$]*)[ \t]*=[ \t]*0[xX]([0-9A-Fa-f]{1,8})[ \t]*;[ \t]*(?://(.*))?$", re.M
)


def read_disasm_text(text: str, rel: str, version: str, default_kind: str, report: ListsReport) -> list[RawSymbol]:
    out: list[RawSymbol] = []
    matched = 0
    line, pos = 1, 0
    for m in _DISASM_LINE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        addr = int(m.group(2), 16)
        if not RAM_START <= addr < RAM_END:
            continue  # reported by the line scan below
        matched += 1
        comment = m.group(3)
        kind, size, vtype = default_kind, None, None
        if comment and comment.strip() == "type:func":
            kind = "Function"
        elif comment:
            attrs = dict(_ATTR.findall(comment))
            if attrs.get("type") == "func":
                kind = "Function"
            elif kind == "Global":
                vtype = attrs.get("type")
            if "size" in attrs:
                size = parse_address(attrs["size"], ram=False)
        out.append(RawSymbol(m.group(1), addr, version, "disasm", kind, size, vtype, f"{rel}:{line}"))
    lines = [ln.strip() for ln in text.splitlines()]
    symbol_lines = [ln for ln in lines if ln and not ln.startswith(("//", "/*", "#"))]
    if len(symbol_lines) != matched:
        # Some line is unreadable or not a RAM address: find and report each (rare).
        for n, ln in enumerate(lines, 1):
            if not ln or ln.startswith(("//", "/*", "#")):
                continue
            lm = _DISASM_LINE.match(ln)
            if lm is None:
                report.problems.append(ListProblem(file=rel, line=n, message=f"unreadable line: {ln[:80]!r}"))
            elif not RAM_START <= int(lm.group(2), 16) < RAM_END and "SegmentRom" not in lm.group(1):
                # (_xSegmentRomStart/End are ROM offsets, rightly not RAM addresses)
                report.problems.append(ListProblem(file=rel, line=n, message=f"not a RAM address: {ln[:80]!r}"))
    return out


def read_z64hdr_text(text: str, rel: str, version: str, report: ListsReport) -> list[RawSymbol]:
    out: list[RawSymbol] = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("//"):
            continue
        if s.startswith("/*"):
            if "=" in s:
                report.placeholders_skipped += 1
            continue
        if "=" not in s:
            continue
        m = _Z64.match(s)
        if m and m.group(1).startswith("_") and "Segment" in m.group(1):
            continue  # linker segment markers (many of them ROM offsets), not code or data
        addr = parse_address(m.group(2)) if m else None
        if not m or addr is None:
            why = "not a RAM address" if m else "unreadable line"
            report.problems.append(ListProblem(file=rel, line=n, message=f"{why}: {s[:80]!r}"))
            continue
        name = m.group(1)
        out.append(RawSymbol(name, addr, version, "z64hdr", None, None, None, f"{rel}:{n}"))
    return out


def lists_in_dir(directory: Path, versions: list[str], report: ListsReport) -> dict[tuple[str, str], list[RawSymbol]]:
    """The lists of a directory for the selected versions, by (version, list): the list is
    ``functions``, ``variables`` or ``z64hdr``."""
    out: dict[tuple[str, str], list[RawSymbol]] = {}
    if not directory.is_dir():
        report.problems.append(ListProblem(file=str(directory), message="symbols directory not found"))
        return out
    where = f"directory {directory}"
    for d in sorted(p for p in directory.iterdir() if p.is_dir()):
        if d.name.startswith("z64hdr-"):
            rom = d.name.removeprefix("z64hdr-")
            version = Z64HDR_ROMS.get(rom)
            if version is None:
                report.problems.append(
                    ListProblem(file=d.name, message=f"unknown z64hdr ROM {rom!r} (known: {', '.join(Z64HDR_ROMS)})")
                )
                continue
            if version not in versions:
                continue
            got = out.setdefault((version, "z64hdr"), [])
            for f in sorted(d.glob("*.ld")):
                rel = f"{d.name}/{f.name}"
                syms = read_z64hdr_text(f.read_text(errors="replace"), rel, version, report)
                report.lists[rel] = len(syms)
                report.provenance[rel] = where
                got.extend(syms)
        elif (d / "functions.txt").is_file() or (d / "variables.txt").is_file():
            if d.name not in versions:
                continue
            for fname, kind in (("functions.txt", "Function"), ("variables.txt", "Global")):
                f = d / fname
                if f.is_file():
                    rel = f"{d.name}/{fname}"
                    syms = read_disasm_text(f.read_text(errors="replace"), rel, d.name, kind, report)
                    report.lists[rel] = len(syms)
                    report.provenance[rel] = where
                    out[(d.name, fname[:-4])] = syms
    for syms in out.values():
        for s in syms:
            s.provenance = where
    return out


def read_symbol_lists(directory: Path | None, versions: list[str]) -> tuple[list[RawSymbol], ListsReport]:
    """Every symbol of every list in ``directory`` for the selected versions."""
    report = ListsReport(directory=str(directory) if directory else None)
    if directory is None:
        return [], report
    got = lists_in_dir(directory, versions, report)
    return [s for syms in got.values() for s in syms], report
