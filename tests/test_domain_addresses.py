"""Addresses per version with their source: segments.csv, config.yml, symbol lists, map files;
checks (names in the graph, aliases, segments), conflicts, wrong-version maps."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ingest.domain.addresses import AddressesReport, GraphNames, address_facts, resolve
from ingest.domain.baseroms import SegmentRow, read_segments_csv
from ingest.domain.mapfile import MapError, check_map, map_symbols, parse_map, verify_map
from ingest.domain.symbols.gather import gather_lists
from ingest.domain.symbols.lists import RawSymbol, read_symbol_lists
from kg.facts import Facts
from tests.conftest import FIXTURES

MINI = FIXTURES / "minidecomp"
MAP = FIXTURES / "maps" / "oot-ntsc-1.0.map"
VERSIONS = ["ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"]


def graph_names() -> GraphNames:
    """What a C walk of the decomp would say exists (a few real names)."""
    c = Facts()
    for name in [
        "cleararena",
        "bootproc",
        "Main_ThreadEntry",
        "Idle_ThreadEntry",
        "DmaMgr_CompareName",
        "DmaMgr_SendRequestImpl",
        "DmaMgr_SendRequest2",
        "Actor_Kill",
        "Actor_SetFocus",
        "ViConfig_UpdateVi",
        "EnHorse_Init",
        "EnHorse_Destroy",
    ]:
        c.node("Function", name=name)
    c.node("Function", name="ZeldaArena_MallocDebug")
    c.rel("IN_VERSION", "ZeldaArena_MallocDebug", "gc-eu-mq-dbg", from_kind="Function", to_kind="Version")
    c.node("File", path="src/boot/idle.c", segment="boot")
    c.rel("DEFINED_IN", "Idle_ThreadEntry", "src/boot/idle.c", from_kind="Function", to_kind="File")
    for name in ["gSaveContext", "gIdentityMtx", "gSequenceTable", "aspMainTextStart", "gGameInfo"]:
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
        "ntsc-1.0": 0x800FEDB0,
        "pal-1.0": 0x800FCD00,
        "gc-us": 0x800FE2A0,
        "gc-eu-mq-dbg": 0x8012DB20,
    }
    inc = _located(facts, "aspMainTextStart")[("ntsc-1.0", "config.yml")]
    assert (inc["address"], inc["size"], inc["segment"]) == (0x800E2FC0, 0xFB0, "code")
    # sShadowTex is in config.yml but not in the graph: reported, not invented.
    assert "sShadowTex" in " ".join(report.not_in_graph["config.yml"].examples)
    assert not _located(facts, "sShadowTex")
    dma = [r for r in facts.rel_rows("IN_VERSION") if r["from"] == "dmadata"]
    assert {r["to"]: r["value"] for r in dma}["ntsc-1.0"] == 2


def test_symbol_lists_skip_debug_placeholders_and_report_bad_lines(tmp_path: Path, symbols_dir: Path) -> None:
    syms, report = read_symbol_lists(symbols_dir, ["ntsc-1.0"])
    names = {s.name for s in syms}
    # "/* ViConfig_UpdateVi = 0x80000A10 DebugAddr */" is a debug-ROM address, not 1.0's.
    assert "ViConfig_UpdateVi" not in names and "bootproc" in names
    assert {s.source for s in syms} == {"z64hdr"}
    # the shipped copy keeps no placeholder, only how many the list had
    _, shipped = gather_lists(None, MINI, ["ntsc-1.0"], None)
    assert shipped.placeholders_skipped > 3000

    bad = tmp_path / "gc-us"
    bad.mkdir()
    (bad / "functions.txt").write_text(
        "bootproc = 0x80000498; // type:func\nBroken_Func = 0xZZ; // type:func\nLow_Func = 0x00001000; // type:func\n"
    )
    syms, report = read_symbol_lists(tmp_path, ["gc-us"])
    assert [s.name for s in syms] == ["bootproc"]
    assert [(p.file, p.line) for p in report.problems] == [("gc-us/functions.txt", 2), ("gc-us/functions.txt", 3)]
    assert "not a RAM address" in report.problems[1].message


@pytest.mark.parametrize("where", ["directory", "shipped"])
def test_lists_checked_against_the_graph(where: str, symbols_dir: Path) -> None:
    if where == "directory":
        facts, report = address_facts(MINI, VERSIONS, names=graph_names(), symbols_directory=symbols_dir)
    else:  # no directory: the copy shipped with ootkg (the fixture has no git history)
        facts, report = address_facts(MINI, VERSIONS, names=graph_names(), builtin=True)
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
    assert any("DmaMgr_SendRequest2 / DmaMgr_SendRequestImpl" in e for e in report.ambiguous_aliases.examples)
    assert ("ntsc-1.0", "z64hdr") not in _located(facts, "DmaMgr_SendRequestImpl")
    assert ("gc-eu-mq-dbg", "z64hdr") in _located(facts, "DmaMgr_SendRequestImpl")
    # A debug-only function has no address in a retail version.
    assert not any(v != "gc-eu-mq-dbg" for v, _ in _located(facts, "ZeldaArena_MallocDebug"))
    # Each fact says where its list came from.
    got = kill[("gc-us", "disasm")]["provenance"]
    if where == "directory":
        assert got == f"directory {symbols_dir}"
    else:
        assert got.startswith("zeldaret/oot@") and got.endswith(":tools/disasm/gc-us/functions.txt")
        assert report.lists.provenance["gc-us/functions.txt"] == got
        assert report.lists.provenance["z64hdr-oot_u10/sym_src.ld"].startswith("z64tools/z64hdr@")


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


def test_map_is_a_source_beside_the_lists_and_wins_conflicts() -> None:
    mc = parse_map(MAP)
    msyms, msegs = map_symbols(mc, "ntsc-1.0")
    facts, report = address_facts(
        MINI, VERSIONS, names=graph_names(), builtin=True, map_symbols=msyms, map_segments=msegs
    )
    idle = _located(facts, "Idle_ThreadEntry")
    assert idle[("ntsc-1.0", "map")]["address"] == 0x80000640
    assert idle[("ntsc-1.0", "map")]["provenance"] == f"map {MAP}"
    # z64hdr's 0x8000063C disagrees: reported as a conflict, and the map's address stands
    assert ("ntsc-1.0", "z64hdr") not in idle
    conflict = next(c for c in report.conflicts if c.name == "Idle_ThreadEntry")
    assert conflict.addresses == {"map": "0x80000640", "z64hdr": "0x8000063C"}
    assert "Idle_ThreadEntry in ntsc-1.0: z64hdr 0x8000063C, map 0x80000640" in report.overridden.examples
    # where they agree, both stay
    kill = _located(facts, "Actor_Kill")
    assert kill[("ntsc-1.0", "map")]["address"] == kill[("ntsc-1.0", "z64hdr")]["address"]
    # Only the map knows ViConfig_UpdateVi in 1.0 (z64hdr's entry is a debug placeholder).
    assert [k for k in _located(facts, "ViConfig_UpdateVi") if k[0] == "ntsc-1.0"] == [("ntsc-1.0", "map")]
    # Map symbols the graph does not know are reported like any other source's.
    assert "EnAObj_SetupAction" in " ".join(report.not_in_graph["map"].examples)
    seg = _located(facts, "ovl_En_Horse")
    assert seg[("ntsc-1.0", "map")]["size"] == 0x5A40
    assert seg[("ntsc-1.0", "segments.csv")]["address"] == seg[("ntsc-1.0", "map")]["address"]


def test_a_function_outside_its_overlay_is_rejected(tmp_path: Path) -> None:
    c = Facts()
    for name in ("EnHorse_Init", "EnHorse_Destroy"):
        c.node("Function", name=name)
        c.rel("DEFINED_IN", name, "src/overlays/actors/ovl_En_Horse/z_en_horse.c", from_kind="Function", to_kind="File")
    c.node("File", path="src/overlays/actors/ovl_En_Horse/z_en_horse.c", segment="ovl_En_Horse")
    lists = tmp_path / "gc-us"
    lists.mkdir()
    (lists / "functions.txt").write_text(
        "EnHorse_Init = 0x80020000; // type:func\nEnHorse_Destroy = 0x80A41B60; // type:func\n"
    )
    facts, report = address_facts(MINI, ["gc-us"], names=GraphNames.from_facts(c), symbols_directory=tmp_path)
    assert report.outside_segment.count == 1
    assert "EnHorse_Init at 0x80020000 is in code, its file is in ovl_En_Horse" in report.outside_segment.examples[0]
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
        "                0x80a4e000                sGameCheckTimer\n"
    )
    mc = parse_map(m)
    assert mc.segments == {"ovl_En_Horse_Game_Check": (0x80A4DDB0, 0x1000)}
    syms = {n: (a, k, e) for n, a, k, _s, e in mc.symbols}
    assert syms == {
        "EnHorseGameCheck_Init": (0x80A4DDB0, "Function", 0x80A4DFB0),
        "EnHorseGameCheck_Destroy": (0x80A4DF00, "Function", 0x80A4DFB0),
        "sGameCheckTimer": (0x80A4E000, "Global", 0x80A4E020),
    }
    rs, _ = map_symbols(mc, "gc-us")
    assert {s.name: s.size for s in rs}["EnHorseGameCheck_Init"] == 0x150


def test_a_static_name_is_pinned_to_its_file_by_the_segment_its_address_is_in() -> None:
    c = Facts()
    horse, test = ("src/overlays/actors/ovl_En_Horse/z_en_horse.c", "src/overlays/actors/ovl_En_Test/z_en_test.c")
    for path, seg in ((horse, "ovl_En_Horse"), (test, "ovl_En_Test")):
        c.node("File", path=path, segment=seg)
        c.node("Global", id=f"{path}:sInitChain", name="sInitChain", file=path, static=True)
    c.node("Global", id="src/code/z_a.c:sOnly", name="sOnly", file="src/code/z_a.c", static=True)
    names = GraphNames.from_facts(c)
    v = "ntsc-1.0"
    segments = {
        v: [
            SegmentRow("code", v, 0, 0x80010000, 0x100000),
            SegmentRow("ovl_En_Horse", v, 1, 0x80A00000, 0x1000),
            SegmentRow("ovl_En_Test", v, 2, 0x80A01000, 0x1000),
        ]
    }

    def sym(name: str, addr: int) -> RawSymbol:
        return RawSymbol(name, addr, v, "disasm", "Global", None, None, "variables.txt:1")

    report = AddressesReport()
    kept = resolve(
        [
            sym("sInitChain", 0x80A00010),
            sym("sInitChain", 0x80A01020),
            sym("sInitChain", 0x80020000),
            sym("sOnly", 0x80020000),
        ],
        names,
        segments,
        report,
    )
    assert {(s.key, s.address) for s in kept} == {
        (f"{horse}:sInitChain", 0x80A00010),
        (f"{test}:sInitChain", 0x80A01020),
        ("src/code/z_a.c:sOnly", 0x80020000),
    }  # a unique static needs no segment
    # in code, where neither file is: not guessed, reported
    assert report.ambiguous_statics.count == 1
    assert "sInitChain at 0x80020000" in report.ambiguous_statics.examples[0]


def _defined(c: Facts, name: str, path: str, line: int, version: str) -> None:
    c.node("Function", name=name)
    c.rel("IN_VERSION", name, version, from_kind="Function", to_kind="Version", file=path, line=line, defined=True)


def test_renamed_list_names_are_matched_by_address_and_file() -> None:
    """A list from before a rename: the names between two known functions pair up with the
    graph's functions between them in source order, where the counts agree; elsewhere the
    names are reported."""
    v = "gc-us"
    c = Facts()
    a, b = "src/code/z_a.c", "src/code/z_b.c"
    for i, name in enumerate(["A_Init", "A_Walk", "A_Run", "A_Draw"]):
        _defined(c, name, a, 10 + 10 * i, v)
    for i, name in enumerate(["B_Init", "B_Jump", "B_Swim", "B_Fly", "B_Draw"]):
        _defined(c, name, b, 5 + 5 * i, v)
    names = GraphNames.from_facts(c)

    def sym(name: str, addr: int) -> RawSymbol:
        return RawSymbol(name, addr, v, "disasm", "Function", None, None, f"functions.txt:{addr}")

    lst = [
        sym("A_Init", 0x80010000),
        sym("func_80010040", 0x80010040),
        sym("func_80010080", 0x80010080),
        sym("A_Draw", 0x800100C0),
        sym("B_Init", 0x80010100),
        sym("func_80010140", 0x80010140),  # 1 name, 3 functions
        sym("B_Draw", 0x80010200),
    ]
    report = AddressesReport()
    kept = resolve(lst, names, {}, report, orders={v: [a, "src/libultra/os/x.s", b]})
    got = {s.name: (s.address, s.renamed_from) for s in kept}
    assert got["A_Walk"] == (0x80010040, "func_80010040")
    assert got["A_Run"] == (0x80010080, "func_80010080")
    assert "B_Jump" not in got and "B_Swim" not in got  # the gap does not tell which
    assert report.renamed["disasm"].count == 2
    assert "func_80010040 -> A_Walk" in report.renamed["disasm"].examples[0]
    assert report.not_in_graph["disasm"].examples == ["func_80010140 (functions.txt:2147549504)"]
    # an assembly file between two anchors: no pairing across it
    report = AddressesReport()
    lst2 = [sym("A_Draw", 0x80010000), sym("func_x", 0x80010010), sym("B_Init", 0x80010020)]
    c2 = Facts()
    _defined(c2, "A_Draw", a, 10, v)
    _defined(c2, "B_Init", b, 10, v)
    _defined(c2, "B_Gone", b, 20, v)
    kept = resolve(lst2, GraphNames.from_facts(c2), {}, report, orders={v: [a, "src/libultra/os/x.s", b]})
    assert "func_x" not in {s.renamed_from for s in kept} and not report.renamed


def test_a_table_whose_name_aliases_its_header_is_sized_by_what_follows() -> None:
    """``#pragma weak gSequenceTable = sSequenceTableHeader``: the graph gives the name the
    header's type (0x10 bytes) but the table runs on into its entries; and a struct ending in
    an array (``AudioTableEntry entries[1]``) does not bound its object either."""
    c = Facts()
    path = "src/audio/tables/sequence_table.c"
    for key, typ, line in (
        ("sSequenceTableHeader", "AudioTableHeader", 24),
        ("gSequenceTable", "AudioTableHeader", 24),
        ("gSoundFontTable", "AudioTable", 30),
        ("gSaveContext", "SaveContext", 40),
    ):
        c.node("Global", id=key, name=key, type=typ, file=path, line=line, defined=True)
    for name, size in (("AudioTableHeader", 0x10), ("AudioTable", 0x20), ("SaveContext", 0x1428)):
        c.node("Struct", name=name, size=size)
    c.node("Field", id="AudioTable.header", struct="AudioTable", name="header", position=0, type="AudioTableHeader")
    c.node("Field", id="AudioTable.entries", struct="AudioTable", name="entries", position=1, type="AudioTableEntry[1]")
    names = GraphNames.from_facts(c)
    v = "gc-us"
    lst = [
        RawSymbol(n, a, v, "disasm", "Global", None, None, "variables.txt:1")
        for n, a in (
            ("gSequenceTable", 0x801108A0),
            ("gSoundFontTable", 0x80110F90),
            ("gSaveContext", 0x80111010),
            ("gNext", 0x80112438),
        )
    ]
    kept = {s.name: s.size for s in resolve(lst, names, {}, AddressesReport())}
    assert kept["gSequenceTable"] == 0x80110F90 - 0x801108A0  # up to the next symbol
    assert kept["gSoundFontTable"] == 0x80111010 - 0x80110F90
    assert kept["gSaveContext"] == 0x1428  # a plain struct: its size


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "PATH": "/usr/bin:/bin",
            "HOME": str(repo),
        },
    ).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="no git program")
def test_lists_from_the_checkouts_own_history(tmp_path: Path) -> None:
    """A full clone: a list the decomp kept in its tree and deleted later is read from the
    revision before the deletion, found by its path (any folder), with that commit as its
    provenance; it serves before the shipped copy, which still serves the other versions."""
    repo = tmp_path / "oot"
    shutil.copytree(MINI, repo)
    lists = repo / "tools" / "disasm" / "gc-us"
    lists.mkdir(parents=True)
    (lists / "functions.txt").write_text(
        "Actor_Kill = 0x80020CD0; // type:func\nfunc_80020CF0 = 0x80020CF0; // type:func\n"
    )
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "lists")
    listed = _git(repo, "rev-parse", "HEAD")
    (lists / "functions.txt").write_text("Actor_Kill = 0x80020CD0; // type:func\n")
    _git(repo, "commit", "-qam", "one name less")
    kept = _git(repo, "rev-parse", "HEAD")
    shutil.rmtree(repo / "tools")
    _git(repo, "commit", "-qam", "delete the lists")
    facts, report = address_facts(repo, VERSIONS, names=graph_names(), builtin=True, cache_dir=tmp_path / "cache")
    kill = _located(facts, "Actor_Kill")
    prov = kill[("gc-us", "disasm")]["provenance"]
    assert prov.startswith(f"checkout history {kept[:10]} (") and kept != listed
    assert prov.endswith(":tools/disasm/gc-us/functions.txt")
    assert report.lists.lists["gc-us/functions.txt"] == 1  # the last revision that held it
    assert kill[("ntsc-1.0", "z64hdr")]["provenance"].startswith("z64tools/z64hdr@")
    # cached per HEAD: a second run reads no history
    assert list((tmp_path / "cache" / "symbols").glob("history-*.json"))
