"""The code itself as facts, on the fixture tree: source text and spans, text as each version
compiles it, #if branches and the versions that compile them, wiring (fields set, callbacks
passed, function tables), linker symbols, bitfields and unions, and the run report's notes
on text it could not take as it is."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.c import extract as c_extract
from ingest.c.source import c_source
from ingest.checkout.checkout import Checkout
from ingest.context import IngestContext
from kg.facts import Facts

MINI = Path(__file__).resolve().parent / "fixtures" / "minidecomp"
ALL = {"ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"}
DOOR = "src/overlays/actors/ovl_En_Door/z_en_door.c"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[IngestContext, Facts]:
    co = Checkout.open(MINI)
    ctx = IngestContext(checkout=co, versions=co.versions(), cache_dir=tmp_path_factory.mktemp("cache"), jobs=1)
    facts = c_source(ctx)
    assert ctx.stats["failed_files"] == []
    return ctx, facts


@pytest.fixture(scope="module")
def facts(run: tuple[IngestContext, Facts]) -> Facts:
    return run[1]


def _lines(path: str) -> list[str]:
    return (MINI / path).read_bytes().decode("utf-8", "replace").split("\n")


def _edge(f: Facts, kind: str, key: str, version: str) -> dict:
    for r in f.rel_rows("IN_VERSION"):
        if r["from_kind"] == kind and r["from"] == key and r["to"] == version:
            return r
    raise AssertionError(f"no IN_VERSION {kind} {key} -> {version}")


def test_every_definition_is_its_files_lines_verbatim(facts: Facts) -> None:
    checked = 0
    for kind, prop in (("Function", "source"), ("Struct", "definition"), ("Global", "initializer")):
        for key, row in facts.nodes[kind].items():
            text = row.get(prop)
            if text is None:
                continue
            lines = _lines(row["file"])
            assert text == "\n".join(lines[row["start_line"] - 1 : row["end_line"]]), (kind, key)
            checked += 1
    assert checked > 60
    fn = facts.nodes["Function"]["EnDoor_Init"]
    assert fn["source"].startswith("void EnDoor_Init(Actor* thisx, PlayState* play) {\n")
    assert fn["source"].endswith("EnDoor_SetupAction(this, EnDoor_Idle);\n}")
    assert fn["start_line"] == fn["line"] == 51 and fn["end_line"] == 59
    # a prototype has no text; neither has a global without an initializer
    assert facts.nodes["Function"]["sqrtf"].get("source") is None
    assert facts.nodes["Global"]["gBootCount"].get("initializer") is None


def test_text_as_each_version_compiles_a_definition_inside_an_if(facts: Facts) -> None:
    # two definitions, each in its own branch: each version's edge carries its own
    ntsc = _edge(facts, "Function", "Actor_UpdatePos", "ntsc-1.0")["text"]
    assert ntsc == "void Actor_UpdatePos(Actor* actor) {\n    actor->pos.x += 1.0f;\n}"
    pal = _edge(facts, "Function", "Actor_UpdatePos", "pal-1.0")["text"]
    assert pal == ("void Actor_UpdatePos(Actor* actor, f32 speed) {\n    actor->pos.x += speed;\n}")
    # a definition with #if inside but in no branch: the text as written is on the node, its
    # versions' text is for the reader to render (the branches carry their versions)
    assert _edge(facts, "Function", "Actor_Update", "ntsc-1.0")["text"] is None
    assert "#if OOT_VERSION < PAL_1_0" in facts.nodes["Function"]["Actor_Update"]["source"]


def test_version_blocks_carry_the_versions_that_compile_each_branch(facts: Facts) -> None:
    vb = facts.nodes["VersionBlock"]
    first = vb["src/code/z_actor.c:12"]
    assert (first["directive"], first["condition"], first["last_line"], first["endif_line"]) == (
        "if",
        "OOT_VERSION < PAL_1_0",
        15,
        20,
    )
    assert set(first["versions"]) == {"ntsc-1.0"}
    other = vb["src/code/z_actor.c:16"]
    assert other["directive"] == "else" and other["block"] == "src/code/z_actor.c:12"
    assert set(other["versions"]) == ALL - {"ntsc-1.0"}
    assert set(vb["src/code/z_actor.c:36"]["versions"]) == {"ntsc-1.0", "pal-1.0"}  # PLATFORM_N64
    # a block of #defines only, in a header every version shares: the defines probe decides
    assert set(vb["include/versions.h:22"]["versions"]) == {"gc-eu-mq-dbg", "pal-1.0"}
    assert set(vb["include/versions.h:24"]["versions"]) == {"gc-us", "ntsc-1.0"}
    assert set(vb[f"{DOOR}:86"]["versions"]) == {"ntsc-1.0"}
    # include guards are not regions
    assert not any(k.startswith("include/actor.h:") and v["line"] < 5 for k, v in vb.items())
    defined_in = {(r["from"], r["to"]) for r in facts.rel_rows("DEFINED_IN") if r["from_kind"] == "VersionBlock"}
    assert ("src/code/z_actor.c:12", "src/code/z_actor.c") in defined_in


def test_wiring_fields_set_callbacks_passed_and_tables(facts: Facts) -> None:
    assigns = {
        (r["from"], r["to"], r["field"]): (r["via"], r["line"], tuple(r["versions"])) for r in facts.rel_rows("ASSIGNS")
    }
    assert assigns[("EnHorse_Init", "EnHorse_Gallop", "EnHorse.actionFunc")][:2] == (None, 38)
    # through a SetupAction-style helper that stores its parameter
    assert assigns[("EnDoor_Init", "EnDoor_Idle", "EnDoor.actionFunc")][:2] == ("EnDoor_SetupAction", 58)
    assert assigns[("EnDoor_Idle", "EnDoor_Open", "EnDoor.actionFunc")][0] == "EnDoor_SetupAction"
    # stored in the actor's own update slot at run time
    via, line, versions = assigns[("EnDoor_Open", "EnDoor_UpdateOpened", "Actor.update")]
    assert via is None and line == 77 and set(versions) == ALL
    passes = {
        (r["from"], r["to"]): (r["callee"], r["position"], r["param"], r["site"]) for r in facts.rel_rows("PASSES")
    }
    assert passes[("EnDoor_Draw", "EnDoor_OverrideLimbDraw")] == (
        "SkelAnime_DrawOpa",
        3,
        "overrideLimbDraw",
        "SkelAnime_DrawOpa:3",
    )
    # a callback is passed, never called
    calls = {(r["from"], r["to"]) for r in facts.rel_rows("CALLS")}
    assert not any(t == "EnDoor_OverrideLimbDraw" for _, t in calls)
    refs = {(r["from"], r["to"]): r["position"] for r in facts.rel_rows("REFERS_TO")}
    assert refs[("En_Door_Profile", "EnDoor_Init")] == 0
    assert refs[("En_Door_Profile", "EnDoor_Draw")] == 3


def test_calls_carry_their_first_line(facts: Facts) -> None:
    calls = {(r["from"], r["to"]): r["line"] for r in facts.rel_rows("CALLS")}
    assert calls[("EnDoor_Init", "Collider_InitCylinder")] == 55
    assert calls[("bootproc", "Boot_Start")] == 11  # called twice: the first line


def test_linker_symbols_are_their_own_kind(facts: Facts) -> None:
    ls = facts.nodes["LinkerSymbol"]
    assert set(ls) == {
        "_codeSegmentStart",
        "_codeSegmentEnd",
        "_ovl_En_DoorSegmentRomStart",
        "_ovl_En_DoorSegmentRomEnd",
        "Sequence_0_Start",
        "Sequence_0_Size",
    }
    assert ls["Sequence_0_Size"]["type"] == "u8[]"
    assert ls["Sequence_0_Size"]["file"] == "include/segment_symbols.h"
    assert not set(ls) & set(facts.nodes["Global"])
    decl = {(r["from"], r["to"]) for r in facts.rel_rows("DECLARED_IN") if r["from_kind"] == "LinkerSymbol"}
    assert ("_ovl_En_DoorSegmentRomEnd", "include/segment_symbols.h") in decl
    # a const array declared and defined elsewhere stays a Global
    assert "gBuildDate" in facts.nodes["Global"]


def test_bitfields_and_union_members(facts: Facts) -> None:
    f = facts.nodes["Field"]
    chain = [f[f"InitChainEntry.{n}"] for n in ("cont", "type", "offset", "value")]
    assert [(x["bit_offset"], x["bit_width"], x["offset"], x["size"]) for x in chain] == [
        (0, 1, 0, None),
        (1, 4, 0, None),
        (5, 11, 0, None),
        (16, 16, 2, None),
    ]
    assert facts.nodes["Struct"]["ColliderFlags"]["kind"] == "union"
    # the anonymous struct's members are the union's, at the offsets C gives them
    word, hit, oc = f["ColliderFlags.word"], f["ColliderFlags.hitEffect"], f["ColliderFlags.ocMask"]
    assert (word["offset"], word["size"], word.get("bit_width")) == (0, 4, None)
    assert (hit["offset"], hit["bit_offset"], hit["bit_width"]) == (0, 0, 4)
    assert (oc["bit_offset"], oc["bit_width"]) == (4, 12)
    assert f["ColliderFlags.unused"]["offset"] == 2
    assert not any("anonymous" in k or "unnamed" in k for k in f)
    edge = _edge(facts, "Field", "ColliderFlags.ocMask", "gc-us")
    assert edge["size"] is None and edge["offset"] == 0


def test_the_report_notes_a_file_that_is_not_utf8(run: tuple[IngestContext, Facts]) -> None:
    ctx, facts = run
    assert "src/overlays/actors/ovl_En_Test/z_en_test.c: not UTF-8" in ctx.notes["c"]
    # its code is there all the same
    assert facts.nodes["Function"]["EnTest_Update"]["source"].startswith("void EnTest_Update(")


def test_an_unterminated_if_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    decomp = tmp_path / "oot"
    shutil.copytree(MINI, decomp)
    obj = decomp / "src/code/z_object.c"
    line = obj.read_text().count("\n") + 2  # (after a blank line)
    obj.write_text(obj.read_text() + "\n#if DEBUG_FEATURES\ns32 Object_Debug(void) {\n    return 1;\n}\n")
    co = Checkout.open(decomp)
    ctx = IngestContext(checkout=co, versions=co.select(["gc-us"]), cache_dir=tmp_path / "c", jobs=1)
    facts = c_source(ctx)
    assert f"src/code/z_object.c line {line}: #if without #endif" in ctx.notes["c"]
    assert any(f["file"] == "src/code/z_object.c" for f in ctx.stats["failed_files"])
    assert "EnDoor_Init" in facts.nodes["Function"]  # the rest of the graph
    vb = facts.nodes["VersionBlock"][f"src/code/z_object.c:{line}"]
    assert vb["endif_line"] is None and vb["last_line"] == len(obj.read_text().split("\n"))


def test_a_file_changed_while_parsed_is_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.c.env import CompileEnv

    co = Checkout.open(MINI)
    env = CompileEnv(co, "gc-us", tmp_path)
    env.ensure_stubs()
    tu = "src/code/z_object.c"
    job = c_extract.Job(
        tu=tu, args=env.args(tu), root=str(co.root), stub_dir=str(env.stub_dir), header_keys={}, key="k"
    )
    c_extract.init_worker(str(tmp_path))
    real = os.stat
    seen: list[str] = []

    def stat(path: object, *a: object, **k: object) -> os.stat_result:
        st = real(path, *a, **k)  # type: ignore[arg-type]
        if str(path).endswith(tu):
            seen.append(str(path))
            if len(seen) > 1:  # after the parse: as if written meanwhile
                return os.stat_result(tuple(st[:10]), {"st_mtime_ns": st.st_mtime_ns + 5 * 10**9})
        return st

    monkeypatch.setattr(c_extract.os, "stat", stat)
    rec = c_extract.extract_tu(job)
    assert rec.failed is None and rec.main.functions
    assert (
        tu,
        "changed while it was being parsed (its facts are from the text read first; the next ingest reads it again)",
    ) in rec.text_notes
