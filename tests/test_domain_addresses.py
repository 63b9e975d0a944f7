"""Addresses per version with their source: segments.csv, config.yml, symbol lists, map files;
checks (names in the graph, aliases, segments), conflicts, wrong-version maps."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.addresses import AddressesReport, GraphNames, address_facts, resolve
from ingest.baseroms import SegmentRow, read_segments_csv
from ingest.mapfile import MapError, check_map, map_symbols, parse_map, verify_map
from ingest.symbol_lists import RawSymbol, read_symbol_lists
from kg.facts import Facts
from tests.conftest import FIXTURES, SHARED_DATA

MINI = FIXTURES / "minidecomp"
MAP = FIXTURES / "maps" / "oot-ntsc-1.0.map"
SYMBOLS = SHARED_DATA / "symbols"
VERSIONS = ["ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"]
needs_symbols = pytest.mark.skipif(not SYMBOLS.is_dir(),
                                   reason="../shared/oot-data/symbols is not beside the repo")


def graph_names() -> GraphNames:
    """What a C walk of the decomp would say exists (a few real names)."""
    c = Facts()
    for name in ["cleararena", "bootproc", "Main_ThreadEntry", "Idle_ThreadEntry",
                 "DmaMgr_CompareName", "DmaMgr_SendRequestImpl", "DmaMgr_SendRequest2",
                 "Actor_Kill", "Actor_SetFocus", "ViConfig_UpdateVi", "EnHorse_Init",
                 "EnHorse_Destroy"]:
        c.node("Function", name=name)
    c.node("Function", name="ZeldaArena_MallocDebug")
    c.rel("IN_VERSION", "ZeldaArena_MallocDebug", "gc-eu-mq-dbg", from_kind="Function",
          to_kind="Version")
    c.node("File", path="src/boot/idle.c", segment="boot")
    c.rel("DEFINED_IN", "Idle_ThreadEntry", "src/boot/idle.c", from_kind="Function",
          to_kind="File")
    for name in ["gSaveContext", "gIdentityMtx", "gSequenceTable", "aspMainTextStart",
                 "gGameInfo"]:
        c.node("Global", id=name, name=name)
    c.node("Global", id="gSaveContext", name="gSaveContext", type="SaveContext")
    c.node("Struct", name="SaveContext", size=0x1428)
    return GraphNames.from_facts(c)


def _located(facts: Facts, name: str) -> dict[tuple[str, str], dict]:
    return {(r["to"], r["source"]): r for r in facts.rel_rows("LOCATED_AT") if r["from"] == name}


def test_segments_csv_gives_vram_starts_and_sizes() -> None:
    rows = read_segments_csv(MINI / "baseroms" / "ntsc-1.0" / "segments.csv", "ntsc-1.0", [])
    by = {r.name: r for r in rows}
    assert (by["code"].vram, by["code"].size) == (0x800110A0, 0x801C6E80 - 0x800110A0)
    assert by["dmadata"].vram is None and by["dmadata"].index == 2
    assert by["ovl_title"].vram == 0x80800000
    # The last segment below the overlay space has no known end from segments.csv alone.
    assert by["n64dd"].size is None


def test_baseroms_without_symbol_lists() -> None:
    facts, report = address_facts(MINI, VERSIONS, names=graph_names())
    assert report.segments == {"ntsc-1.0": 31, "pal-1.0": 31, "gc-us": 30, "gc-eu-mq-dbg": 32}
    seg = _located(facts, "ovl_En_Horse")
    assert seg[("ntsc-1.0", "segments.csv")]["address"] == 0x808781F0
    assert seg[("gc-eu-mq-dbg", "segments.csv")]["address"] == 0x80A5B2F0
    mtx = _located(facts, "gIdentityMtx")
    assert {v: r["address"] for (v, _s), r in mtx.items()} == {
        "ntsc-1.0": 0x800FEDB0, "pal-1.0": 0x800FCD00, "gc-us": 0x800FE2A0,
        "gc-eu-mq-dbg": 0x8012DB20}
    inc = _located(facts, "aspMainTextStart")[("ntsc-1.0", "config.yml")]
    assert (inc["address"], inc["size"], inc["segment"]) == (0x800E2FC0, 0xFB0, "code")
    # sShadowTex is in config.yml but not in the graph: reported, not invented.
    assert "sShadowTex" in " ".join(report.not_in_graph["config.yml"].examples)
    assert not _located(facts, "sShadowTex")
    dma = [r for r in facts.rel_rows("IN_VERSION") if r["from"] == "dmadata"]
    assert {r["to"]: r["value"] for r in dma}["ntsc-1.0"] == 2


@needs_symbols
def test_symbol_lists_skip_debug_placeholders_and_report_bad_lines(tmp_path: Path) -> None:
    syms, report = read_symbol_lists(SYMBOLS, ["ntsc-1.0"])
    names = {s.name for s in syms}
    # "/* ViConfig_UpdateVi = 0x80000A10 DebugAddr */" is a debug-ROM address, not 1.0's.
    assert "ViConfig_UpdateVi" not in names and "bootproc" in names
    assert report.placeholders_skipped > 3000
    assert {s.source for s in syms} == {"z64hdr"}

    bad = tmp_path / "gc-us"
    bad.mkdir()
    (bad / "functions.txt").write_text("bootproc = 0x80000498; // type:func\n"
                                       "Broken_Func = 0xZZ; // type:func\n"
                                       "Low_Func = 0x00001000; // type:func\n")
    syms, report = read_symbol_lists(tmp_path, ["gc-us"])
    assert [s.name for s in syms] == ["bootproc"]
    assert [(p.file, p.line) for p in report.problems] == [("gc-us/functions.txt", 2),
                                                           ("gc-us/functions.txt", 3)]
    assert "not a RAM address" in report.problems[1].message


@needs_symbols
def test_lists_checked_against_the_graph() -> None:
    facts, report = address_facts(MINI, VERSIONS, names=graph_names(), symbols_directory=SYMBOLS)
    save = _located(facts, "gSaveContext")
    assert save[("ntsc-1.0", "z64hdr")]["address"] == 0x8011A5D0
    assert save[("gc-us", "disasm")]["address"] == 0x8011B148
    assert save[("gc-eu-mq-dbg", "z64hdr")]["address"] == 0x8015E660
    # z64hdr states no size: the graph's SaveContext struct gives it.
    assert save[("ntsc-1.0", "z64hdr")]["size"] == 0x1428
    kill = _located(facts, "Actor_Kill")
    assert kill[("ntsc-1.0", "z64hdr")]["address"] == 0x80020EB4
    assert kill[("gc-us", "disasm")]["address"] == 0x80020CD0
    assert kill[("gc-us", "disasm")]["segment"] == "code"
    # Names the graph does not have: counted, with examples, never turned into nodes.
    assert report.not_in_graph["disasm"].count > 10000
    assert report.not_in_graph["z64hdr"].examples
    assert "Function" not in facts.nodes
    # Two functions the graph knows at one z64hdr 1.0 address: neither is trusted.
    assert any("DmaMgr_SendRequest2 / DmaMgr_SendRequestImpl" in e
               for e in report.ambiguous_aliases.examples)
    assert ("ntsc-1.0", "z64hdr") not in _located(facts, "DmaMgr_SendRequestImpl")
    assert ("gc-eu-mq-dbg", "z64hdr") in _located(facts, "DmaMgr_SendRequestImpl")
    # A debug-only function has no address in a retail version.
    assert not any(v != "gc-eu-mq-dbg" for v, _ in _located(facts, "ZeldaArena_MallocDebug"))


def test_map_file_parse() -> None:
    mc = parse_map(MAP)
    assert mc.segments["ovl_En_Horse"] == (0x808781F0, 0x5A40)
    assert mc.segments["boot"] == (0x80000460, 0x6C00)
    syms = {n: (a, k, s) for n, a, k, s, _e in mc.symbols}
    assert syms["gSaveContext"] == (0x8011A5D0, "Global", "code")
    assert syms["EnHorse_Init"] == (0x80879A40, "Function", "ovl_En_Horse")
    assert syms["cleararena"] == (0x80000460, "Function", "boot")
    assert "_bootSegmentStart" in mc.markers
    rs, segs = map_symbols(mc, "ntsc-1.0")
    by = {s.name: s for s in rs}
    assert by["cleararena"].size == 0x38  # up to bootproc
    assert by["EnHorse_Destroy"].size == 0x808781F0 + 0x4D00 - 0x8087A1D0  # end of .text
    assert {s.name for s in segs} == {"makerom", "boot", "code", "ovl_En_Horse"}


def test_a_map_for_another_version_is_refused() -> None:
    mc = parse_map(MAP)
    ok = check_map(mc, "ntsc-1.0", MINI, VERSIONS)
    assert ok.warning is None
    with pytest.raises(MapError, match=r"does not look like a gc-us map.*--version ntsc-1.0"):
        check_map(mc, "gc-us", MINI, VERSIONS)
    with pytest.raises(MapError, match="No map file"):
        verify_map(MINI / "nope.map", "ntsc-1.0", MINI, VERSIONS)


def test_not_a_map_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "oot.map"
    junk.write_text("hello\nthis is not a linker map\n")
    with pytest.raises(MapError, match="no linker symbols or segments"):
        parse_map(junk)


@needs_symbols
def test_map_is_a_source_beside_the_lists_and_conflicts_are_reported() -> None:
    mc = parse_map(MAP)
    msyms, msegs = map_symbols(mc, "ntsc-1.0")
    facts, report = address_facts(MINI, VERSIONS, names=graph_names(), symbols_directory=SYMBOLS,
                                  map_symbols=msyms, map_segments=msegs)
    idle = _located(facts, "Idle_ThreadEntry")
    assert idle[("ntsc-1.0", "map")]["address"] == 0x80000640
    assert idle[("ntsc-1.0", "z64hdr")]["address"] == 0x8000063C
    conflict = next(c for c in report.conflicts if c.name == "Idle_ThreadEntry")
    assert conflict.addresses == {"map": "0x80000640", "z64hdr": "0x8000063C"}
    # Only the map knows ViConfig_UpdateVi in 1.0 (z64hdr's entry is a debug placeholder).
    assert [k for k in _located(facts, "ViConfig_UpdateVi") if k[0] == "ntsc-1.0"] == [
        ("ntsc-1.0", "map")]
    # Map symbols the graph does not know are reported like any other source's.
    assert "EnAObj_SetupAction" in " ".join(report.not_in_graph["map"].examples)
    seg = _located(facts, "ovl_En_Horse")
    assert seg[("ntsc-1.0", "map")]["size"] == 0x5A40
    assert seg[("ntsc-1.0", "segments.csv")]["address"] == seg[("ntsc-1.0", "map")]["address"]


def test_a_function_outside_its_overlay_is_rejected(tmp_path: Path) -> None:
    c = Facts()
    for name in ("EnHorse_Init", "EnHorse_Destroy"):
        c.node("Function", name=name)
        c.rel("DEFINED_IN", name, "src/overlays/actors/ovl_En_Horse/z_en_horse.c",
              from_kind="Function", to_kind="File")
    c.node("File", path="src/overlays/actors/ovl_En_Horse/z_en_horse.c", segment="ovl_En_Horse")
    lists = tmp_path / "gc-us"
    lists.mkdir()
    (lists / "functions.txt").write_text("EnHorse_Init = 0x80020000; // type:func\n"
                                         "EnHorse_Destroy = 0x80A41B60; // type:func\n")
    facts, report = address_facts(MINI, ["gc-us"], names=GraphNames.from_facts(c),
                                  symbols_directory=tmp_path)
    assert report.outside_segment.count == 1
    assert "EnHorse_Init at 0x80020000 is in code, its file is in ovl_En_Horse" in \
        report.outside_segment.examples[0]
    assert not _located(facts, "EnHorse_Init")
    kept = _located(facts, "EnHorse_Destroy")[("gc-us", "disasm")]
    assert (kept["address"], kept["segment"]) == (0x80A41B60, "ovl_En_Horse")


def test_map_variants_long_names_labels_and_32_bit_columns(tmp_path: Path) -> None:
    m = tmp_path / "oot.map"
    m.write_text(
        "Linker script and memory map\n\n"
        "..ovl_En_Horse_Game_Check\n"
        "                0x80a4ddb0     0x1000 load address 0x00c00000\n"
        " .text.unlikely\n"
        "                0x80a4ddb0      0x200 build/gc-us/segments/ovl_En_Horse_Game_Check.plf\n"
        "                0x80a4ddb0                EnHorseGameCheck_Init\n"
        "                0x80a4de00                .L80A4DE00\n"
        "                0x80a4de40                L80A4DE40\n"
        "                0x80a4df00                EnHorseGameCheck_Destroy\n"
        " *fill*         0x80a4dfb0       0x10 \n"
        " COMMON         0x80a4e000       0x20 build/gc-us/segments/ovl_En_Horse_Game_Check.plf\n"
        "                0x80a4e000                sGameCheckTimer\n")
    mc = parse_map(m)
    assert mc.segments == {"ovl_En_Horse_Game_Check": (0x80A4DDB0, 0x1000)}
    syms = {n: (a, k, e) for n, a, k, _s, e in mc.symbols}
    assert syms == {"EnHorseGameCheck_Init": (0x80A4DDB0, "Function", 0x80A4DFB0),
                    "EnHorseGameCheck_Destroy": (0x80A4DF00, "Function", 0x80A4DFB0),
                    "sGameCheckTimer": (0x80A4E000, "Global", 0x80A4E020)}
    rs, _ = map_symbols(mc, "gc-us")
    assert {s.name: s.size for s in rs}["EnHorseGameCheck_Init"] == 0x150


def test_a_static_name_is_pinned_to_its_file_by_the_segment_its_address_is_in() -> None:
    c = Facts()
    horse, test = ("src/overlays/actors/ovl_En_Horse/z_en_horse.c",
                   "src/overlays/actors/ovl_En_Test/z_en_test.c")
    for path, seg in ((horse, "ovl_En_Horse"), (test, "ovl_En_Test")):
        c.node("File", path=path, segment=seg)
        c.node("Global", id=f"{path}:sInitChain", name="sInitChain", file=path, static=True)
    c.node("Global", id="src/code/z_a.c:sOnly", name="sOnly", file="src/code/z_a.c", static=True)
    names = GraphNames.from_facts(c)
    v = "ntsc-1.0"
    segments = {v: [SegmentRow("code", v, 0, 0x80010000, 0x100000),
                    SegmentRow("ovl_En_Horse", v, 1, 0x80A00000, 0x1000),
                    SegmentRow("ovl_En_Test", v, 2, 0x80A01000, 0x1000)]}

    def sym(name: str, addr: int) -> RawSymbol:
        return RawSymbol(name, addr, v, "disasm", "Global", None, None, "variables.txt:1")

    report = AddressesReport()
    kept = resolve([sym("sInitChain", 0x80A00010), sym("sInitChain", 0x80A01020),
                    sym("sInitChain", 0x80020000), sym("sOnly", 0x80020000)],
                   names, segments, report)
    assert {(s.key, s.address) for s in kept} == {
        (f"{horse}:sInitChain", 0x80A00010), (f"{test}:sInitChain", 0x80A01020),
        ("src/code/z_a.c:sOnly", 0x80020000)}  # a unique static needs no segment
    # in code, where neither file is: not guessed, reported
    assert report.ambiguous_statics.count == 1
    assert "sInitChain at 0x80020000" in report.ambiguous_statics.examples[0]
