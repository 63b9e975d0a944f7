"""Claims found from entity mentions: table ids from the right property (over the real CLI
and the HTTP service), the paraphrase suite, relational claims, level-1 strictness and the
layout facts (unions, bitfields, anonymous members), on the golden graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from kg.embedded import EmbeddedStore
from kg.settings import Settings
from tests.golden.graph import build_facts, load_store
from tests.golden.paraphrase import build, score
from validate.api import Validator
from validate.models import Example

# (claim true, claim false, code of the false one): one per table kind. ACTOR_EN_HORSE's
# profile flags are 0x10 (what its IN_VERSION edge's value holds), its id 0x14.
ID_CLAIMS = [
    ("ACTOR_EN_HORSE has id 0x14.", "ACTOR_EN_HORSE has id 0x10.", "wrong-actor-id"),
    ("OBJECT_HORSE is 0x1A.", "OBJECT_HORSE is 0x1B.", "wrong-id"),
    ("SCENE_HYRULE_FIELD has the id 0x51.", "SCENE_HYRULE_FIELD has the id 0x52.", "wrong-id"),
    ("NA_SE_EV_HORSE_NEIGH = 0x2805", "NA_SE_EV_HORSE_NEIGH = 0x2804", "wrong-id"),
    ("The id of NA_BGM_KOKIRI is 0x3C.", "The id of NA_BGM_KOKIRI is 0x3D.", "wrong-id"),
    ("EFFECT_SS_BLAST is effect 4.", "EFFECT_SS_BLAST is effect 5.", "wrong-id"),
    ("ENTR_DEKU_TREE_0_1 is 1.", "ENTR_DEKU_TREE_0_1 is 2.", "wrong-id"),
]


def _ex(text: str, version: str = "gc-eu-mq-dbg", i: str = "x") -> Example:
    return Example(
        id=i,
        messages=[{"role": "user", "content": "?"}, {"role": "assistant", "content": text}],
        metadata={"version": version},
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = load_store(tmp_path_factory.mktemp("claims"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def v(store):
    val = Validator(store, Settings(), compile=False)
    yield val
    val.close()


def codes(v: Validator, text: str, version: str = "gc-eu-mq-dbg") -> set[str]:
    return {i.code for i in v.validate(_ex(text, version)).errors()}


def test_table_ids_over_the_cli(tmp_path):
    db = tmp_path / "graph"
    with EmbeddedStore(db, read_only=False) as w:
        w.replace_graph(build_facts())
    env = {k: val for k, val in os.environ.items() if not k.startswith("OOTKG_")}
    env.update(OOTKG_DB=str(db), COLUMNS="200")
    env.pop("OOT_DECOMP", None)
    lines = []
    for k, (good, bad, _) in enumerate(ID_CLAIMS):
        lines.append(_ex(good, i=f"good{k}").model_dump_json())
        lines.append(_ex(bad, i=f"bad{k}").model_dump_json())
    p = subprocess.run(
        [sys.executable, "-m", "ootkg.cli", "validate", "-", "--no-compile", "--format", "json"],
        env=env,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    reports = {r["id"]: r for r in map(json.loads, p.stdout.splitlines())}
    for k, (_, _, code) in enumerate(ID_CLAIMS):
        good, bad = reports[f"good{k}"], reports[f"bad{k}"]
        assert good["ok"] and good["checked"]["ids"] >= 1, good
        assert [i["code"] for i in bad["issues"]] == [code], bad


def test_table_ids_over_the_service(store, tmp_path):
    from tests.test_validate_service import _Server
    from validate.service import create_app

    app = create_app(Settings(cache_dir=tmp_path / "cache"), store=store, compile=False)
    with _Server(app) as base:
        for good, bad, code in ID_CLAIMS:
            r = httpx.post(f"{base}/v1/validate", json={"example": _ex(good).model_dump()})
            assert r.json()["ok"], (good, r.json())
            r = httpx.post(f"{base}/v1/validate", json={"example": _ex(bad).model_dump()})
            assert [i["code"] for i in r.json()["issues"]] == [code], bad
        facts = httpx.get(f"{base}/v1/symbols/ACTOR_EN_HORSE").json()["facts"]
        assert {f["value"] for f in facts} == {0x14}  # the id, not the profile's flags
        facts = httpx.get(f"{base}/v1/symbols/EFFECT_SS_BLAST").json()["facts"]
        assert {f["value"] for f in facts} == {4}


def test_paraphrase_suite(v):
    """Every claim kind in every phrasing, true and false, from the golden graph's facts."""
    res = score(v, build(v.index("gc-eu-mq-dbg"), v.index("ntsc-1.0"), n=3))
    assert len(res) == 15
    for kind, d in res.items():
        assert d["false"] >= 8 and d["true"] >= 8, kind
        assert d["caught"] / d["false"] >= 0.98, (kind, d["misses"])
        assert d["alarms"] / d["true"] <= 0.01, (kind, d["alarm_texts"])


@pytest.mark.parametrize(
    "text",
    [
        "speed lives at offset 0x68 of Actor.",  # "lives" is no field
        "Set this->actor.speed to 0x10 and the timer to 20.",  # instructions, not claims
        "ACTOR_EN_HORSE is about 0x10 bytes smaller than ACTOR_EN_ZF.",
        "Spawn ACTOR_EN_NIW with params 0x14.",
        "If ACTOR_EN_HORSE were 0x15, this would break.",
        "Actors 0x10-0x20 are enemies; ACTOR_EN_HORSE is one of them.",
        "On PAL 1.1, gSaveContext is at 0x80000000.",  # a version the graph lacks: unchecked
        "Is ACTOR_EN_HORSE 0x15?",
    ],
)
def test_no_claim_no_alarm(v, text):
    assert codes(v, text) == set()


def test_unchecked_claims_are_counted(v):
    r = v.validate(
        _ex("On PAL 1.1, gSaveContext is at 0x80000000. EnPuppy is 0x300 bytes. EnHorse_Init calls Foo_Bar.")
    )
    assert r.ok and r.checked.unchecked >= 1


def test_versions_named_in_a_clause(v):
    assert codes(v, "gSaveContext is at 0x8011A5D0 on NTSC 1.0 and 0x8015E660 on the debug ROM.") == set()
    assert codes(v, "gSaveContext is at 0x8015E660 on NTSC 1.0.") == {"wrong-address"}
    assert codes(v, "On NTSC 1.0 EnHorse is 0x3EC bytes; on the debug ROM, 0x3FC.") == set()


def test_relations(v):
    r = v.validate(_ex("EnHorse_Update already calls Actor_SetScale."))
    issue = r.errors()[0]
    assert issue.code == "wrong-call" and issue.suggestions == ["EnHorse_Init"]
    assert codes(v, "EnHorse_Update calls Math_SinS every frame.") == set()
    assert codes(v, "Actor_SetScale is called from EnHorse_Init.") == set()
    assert codes(v, "EnHorse_Init never calls Actor_SetScale.") == {"wrong-call"}
    assert codes(v, "The update function of ACTOR_EN_HORSE is EnHorse_Draw.") == {"wrong-profile-slot"}
    assert codes(v, "Actor_SetFocus is declared in z64actor.h.") == {"wrong-declared-in"}
    assert codes(v, "Actor_SetFocus is declared in actor.h.") == set()
    assert codes(v, "Actor_Kill is defined in z_lib.c.") == {"wrong-defined-in"}
    assert codes(v, "EnHorse_Init lives in ovl_En_Kusa.") == {"wrong-defined-in"}
    assert codes(v, "ZeldaArena_MallocDebug only exists on the debug ROM.") == set()
    assert codes(v, "Actor_Kill was added in gc-us.") == {"wrong-version-claim"}
    assert codes(v, "ACTOR_EN_HORSE loads OBJECT_NIW.") == {"wrong-object-dependency"}
    assert codes(v, "gDogSkel is in OBJECT_HORSE.") == {"wrong-object-dependency"}


def test_wiring_without_facts_is_unchecked(v):
    # the graph has no ASSIGNS/PASSES facts: a run-time slot is never reported wrong...
    r = v.validate(_ex("EnHorse_Init sets the action function to EnHorse_Draw."))
    assert r.ok and r.checked.unchecked == 1
    # ...unless the function belongs to another overlay, which cannot be wired in at all
    assert codes(v, "EnHorse's action function is EnKusa_Update.") == {"wrong-wiring"}


def test_wiring_with_facts(tmp_path):
    """With ASSIGNS/PASSES facts in the graph, a run-time slot claim is checked against them."""
    import json as _json

    from tests.golden.graph_rel import WHERE

    facts = build_facts()
    path = WHERE["EnHorse_Init"][0]
    sig = "void EnHorse_Walk(EnHorse* this, PlayState* play)"
    params = _json.dumps([{"name": "this", "type": "EnHorse*"}, {"name": "play", "type": "PlayState*"}])
    for name in ("EnHorse_Walk", "EnHorse_Idle"):
        facts.node(
            "Function",
            name=name,
            signature=sig.replace("EnHorse_Walk", name),
            return_type="void",
            params=params,
            file=path,
            defined=True,
            static=True,
            indirect_calls=0,
        )
        facts.rel("DEFINED_IN", name, path, from_kind="Function", to_kind="File")
        for ver in ("gc-eu-mq-dbg", "ntsc-1.0"):
            facts.rel(
                "IN_VERSION",
                name,
                ver,
                from_kind="Function",
                to_kind="Version",
                signature=sig.replace("EnHorse_Walk", name),
                return_type="void",
                params=params,
                file=path,
                defined=True,
                static=True,
            )
    facts.rel(
        "ASSIGNS",
        "EnHorse_Init",
        "EnHorse_Walk",
        from_kind="Function",
        to_kind="Function",
        field="EnHorse.actionFunc",
        struct="EnHorse",
        line=10,
    )
    db = tmp_path / "graph"
    with EmbeddedStore(db, read_only=False) as w:
        w.replace_graph(facts)
    with EmbeddedStore(db, read_only=True) as st:
        val = Validator(st, Settings(), compile=False)
        try:
            ok = val.validate(_ex("EnHorse_Init sets the action function to EnHorse_Walk."))
            assert ok.ok and ok.checked.relations == 1 and ok.checked.unchecked == 0
            bad = val.validate(_ex("EnHorse_Init sets the action function to EnHorse_Idle."))
            assert [i.code for i in bad.errors()] == ["wrong-wiring"]
            assert "EnHorse_Walk" in bad.errors()[0].suggestions
        finally:
            val.close()


def test_members_of_unnamed_members(tmp_path):
    """A member of an unnamed struct inside a union is recorded under its dotted path, its
    offset from the outer struct (as the C ingest writes it); claims about it are checked.
    ``data.mode.wait`` reads as a member chain (its head is a word of three letters or more)
    whose struct the clause may name after it."""
    facts = build_facts()
    fields = [
        ("hdr", 0, 12, "u32[3]"),
        ("data", 12, 8, "union (unnamed union at include/dd.h:5:5)"),
        ("data.seek", 12, 4, "struct (unnamed struct at include/dd.h:6:9)"),
        ("data.seek.lba", 12, 4, "u32"),
        ("data.mode", 12, 8, "struct (unnamed struct at include/dd.h:9:9)"),
        ("data.mode.flags", 12, 1, "u8"),
        ("data.mode.wait", 16, 4, "u32"),
    ]
    facts.node("Struct", name="DdCmd", kind="struct", size=20)
    for ver in ("gc-eu-mq-dbg", "ntsc-1.0"):
        facts.rel("IN_VERSION", "DdCmd", ver, from_kind="Struct", to_kind="Version", size=20, align=4)
    for pos, (name, off, size, typ) in enumerate(fields):
        fid = f"DdCmd.{name}"
        facts.node("Field", id=fid, struct="DdCmd", name=name, offset=off, size=size, type=typ, position=pos)
        facts.rel("HAS_FIELD", "DdCmd", fid, position=pos)
        for ver in ("gc-eu-mq-dbg", "ntsc-1.0"):
            facts.rel("IN_VERSION", fid, ver, from_kind="Field", to_kind="Version", offset=off, size=size, type=typ)
    db = tmp_path / "graph"
    with EmbeddedStore(db, read_only=False) as w:
        w.replace_graph(facts)
    with EmbeddedStore(db, read_only=True) as st:
        val = Validator(st, Settings(), compile=False)
        try:

            def found(text: str) -> set[str]:
                return {i.code for i in val.validate(_ex(text)).errors()}

            assert found("DdCmd.data.mode.wait is at offset 0x10.") == set()
            assert found("DdCmd.data.mode.wait is at offset 0x14.") == {"wrong-offset"}
            assert found("data.mode.wait lives at DdCmd + 0x8.") == {"wrong-offset"}
            # a bare dotted path whose struct the same clause names after it
            assert found("`data.mode.wait` is at offset 0x14 in `DdCmd`.") == {"wrong-offset"}
            assert found("The offset of data.mode.wait within DdCmd is 0x14.") == {"wrong-offset"}
            assert found("data.mode.wait is 0x14 bytes into DdCmd.") == {"wrong-offset"}
            assert found("`data.mode.wait` is at offset 0x10 in `DdCmd`.") == set()
            assert found("The offset of data.mode.wait within DdCmd is 0x10.") == set()
            r = val.validate(_ex("DdCmd.data.seek.lba is at offset 0xC."))
            assert r.ok and r.checked.fields == 1
        finally:
            val.close()


def test_calls_the_snippet_cannot_make(v):
    def code_of(body: str) -> set[str]:
        return {
            i.code
            for i in v.validate_code("void EnHorse_Foo(EnHorse* this, PlayState* play) {\n" + body + "\n}\n").issues
        }

    assert "not-callable" in code_of("func_80B50880(this, 1);")
    assert "not-callable" in code_of("KaleidoScope_DrawQuestStatus(play, play->state.gfxCtx);")
    r = v.validate_code(
        "void EnHorse_Foo(EnHorse* this, PlayState* play) {\n    LightNode* n = Lights_FindBufSlot();\n}\n"
    )
    issue = next(i for i in r.issues if i.code == "implicit-declaration")
    assert issue.level == 1 and "z_lights.c" in issue.message and r.levels[1] == "failed"
    # an excerpt of unknown origin may be its own file's: not judged
    assert v.validate_code("func_80B50880(this, 1);").ok
    assert v.validate_code("Actor_SetScale(&this->actor, 0.01f);").ok


def test_macros(v):
    r = v.validate_code(
        "void f(PlayState* play) {\n    OPEN_DISPS(play->state.gfxCtx);\n"
        "    OPEN_DISP(play->state.gfxCtx, __FILE__, __LINE__);\n"
        "    gSPDisplayLst(POLY_OPA_DISP++, 0);\n    s32 x = SQ(2);\n}\n"
    )
    by = {i.code: i for i in r.issues}
    assert "takes 3 arguments, given 1" in by["wrong-arity"].message
    assert by["unknown-macro"].suggestions[:1] in (["OPEN_DISPS"], ["gSPDisplayList"])
    assert {i.symbol for i in r.issues if i.code == "unknown-macro"} == {"OPEN_DISP", "gSPDisplayLst"}


def test_a_macro_call_too_long_to_count_is_not_counted(v):
    # past MAX_CALL_TOKENS the arguments are not split: no arity issue, and no crash
    long = " + ".join(["1"] * 200)
    r = v.validate_code(f"void f(PlayState* play) {{\n    OPEN_DISPS(play->state.gfxCtx, {long});\n}}\n")
    assert "wrong-arity" not in {i.code for i in r.issues}


def test_if_blocks_of_other_versions(v):
    code = (
        "void f(void) {\n#if DEBUG_FEATURES\n    void* p = ZeldaArena_MallocDebug(4, "
        "__FILE__, __LINE__);\n#else\n    void* p = ZeldaArena_Malloc(4);\n#endif\n"
        "    if (DEBUG_FEATURES && p) {}\n}\n"
    )
    assert v.validate_code(code, "ntsc-1.0").ok
    assert v.validate_code(code, "gc-eu-mq-dbg").ok


def test_layout_claims_on_bitfields_unions_and_anonymous_members(v):
    # a bitfield: the byte of its first bit, or its storage unit's start; not its size
    assert codes(v, "Aclearbuff.dmem is at offset 0x2.") == set()
    assert codes(v, "Aclearbuff.dmem is at offset 0x0 (its u32 word).") == set()
    assert codes(v, "Aclearbuff.dmem is at offset 0x3.") == {"wrong-offset"}
    assert codes(v, "Aclearbuff.count is 2 bytes.") == set()
    # a union's members are all at 0
    assert codes(v, "Color_RGBA8_u32.rgba is at offset 0x0.") == set()
    assert codes(v, "Color_RGBA8_u32.rgba is at offset 0x4.") == {"wrong-offset"}
    # a member of an anonymous struct: the graph has no fact, so no error and no unknown-field
    r = v.validate(_ex("Color_RGBA8_u32.r is at offset 0x0."))
    assert r.ok and r.checked.unchecked == 1
    assert v.validate_code("Color_RGBA8_u32 c;\nc.r = 255;\n").ok


@pytest.mark.parametrize(
    "text",
    [
        "1" * 200_000 + "x",  # a digit run that is no number
        "| " + " " * 100_000 + "--- x",  # a table separator that is not one
        "/*" * 50_000 + "\n```c\n" + "/*" * 50_000 + "\n```",  # comments that never close
        "a." * 100_000 + "b",  # a member chain that never ends
        "ACTOR_EN_HORSE " * 20_000 + "0x14",  # many entities, one number
        "- " * 50_000 + "0x14",  # list markers
        "x/" * 100_000,  # a path that never ends
        "```c\nEn" + "a" * 100_000 + "Bx = 1;\n```",  # an actor-like name, no match
        "```c\nEnHorse" + "_a" * 50_000 + " x;\n```",  # one with many parts
        "```c\nActorProfile P = {" + " ActorProfile Q = {" * 20_000 + "\n```",
    ],
)
def test_hostile_prose_is_read_in_linear_time(v, text):
    # every claim regex is linear (possessive quantifiers, one delimiter per repetition):
    # inputs built to make a backtracking one take hours are read like any other
    r = v.validate(_ex(text))
    assert r.version == "gc-eu-mq-dbg"


def test_an_inline_declaration_s_parameters_are_no_places(v):
    # a parameter named like a segment (`code`) is not where the function is defined...
    assert codes(v, "EnHorse_Init is defined in code.") == {"wrong-defined-in"}
    sig = "`void EnHorse_Init(Actor* thisx, PlayState* code)`"
    assert codes(v, f"{sig} is defined in z_en_horse.c.") == set()
    # ...while the declaration's function is still the one the claim is about
    assert codes(v, f"{sig} is defined in z_lib.c.") == {"wrong-defined-in"}


def test_a_number_of_another_quantity_is_no_layout_claim(v):
    assert codes(v, "Concept 'Actors' (actors, difficulty 2): Actor.world holds the position.") == set()
    assert codes(v, "Step 3: Actor.world holds the position.") == set()


def test_a_hash_is_an_id_cue_only_right_before_its_number(v):
    assert codes(v, "ACTOR_EN_HORSE is #21.") == {"wrong-actor-id"}
    # an #if line's line number is no value of the macro it tests
    assert codes(v, "MTXMODE_APPLY is #0.") == {"wrong-value"}
    assert codes(v, "- `#if MTXMODE_APPLY` (line 1398): compiled by 9 of the 16 versions.") == set()
