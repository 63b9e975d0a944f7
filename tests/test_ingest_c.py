"""The C ingest on the hand-written minidecomp fixture: exact facts per version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.c.source import c_source
from ingest.checkout.checkout import Checkout, CheckoutError
from ingest.checkout.spec import read_spec
from ingest.context import IngestContext
from ingest.pipeline import run_ingest
from kg.facts import Facts
from kg.queries import QueryCatalog
from kg.settings import Settings
from kg.store import GraphStore, open_store

MINI = Path(__file__).resolve().parent / "fixtures" / "minidecomp"
ALL = ["ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"]


@pytest.fixture(scope="module")
def checkout() -> Checkout:
    return Checkout.open(MINI)


@pytest.fixture(scope="module")
def facts(checkout: Checkout, tmp_path_factory: pytest.TempPathFactory) -> Facts:
    ctx = IngestContext(
        checkout=checkout, versions=checkout.versions(), cache_dir=tmp_path_factory.mktemp("cache"), jobs=1
    )
    f = c_source(ctx)
    assert ctx.stats["failed_files"] == []
    return f


def _versions_of(f: Facts, kind: str, key: str, defined: bool = False) -> set[str]:
    return {
        r["to"]
        for r in f.rel_rows("IN_VERSION")
        if r["from_kind"] == kind and r["from"] == key and (not defined or r.get("defined"))
    }


def _edge(f: Facts, kind: str, key: str, version: str) -> dict:
    for r in f.rel_rows("IN_VERSION"):
        if r["from_kind"] == kind and r["from"] == key and r["to"] == version:
            return r
    raise AssertionError(f"no IN_VERSION {kind} {key} -> {version}")


def test_versions_come_from_the_checkout(checkout: Checkout) -> None:
    vs = checkout.versions()
    assert [v.id for v in vs] == ALL  # build order from include/versions.h
    by = {v.id: v for v in vs}
    assert (by["ntsc-1.0"].ordinal, by["ntsc-1.0"].platform, by["ntsc-1.0"].name) == (1, "N64", "NTSC_1_0")
    assert by["gc-eu-mq-dbg"].is_default and by["gc-eu-mq-dbg"].debug
    assert by["gc-eu-mq-dbg"].mq and by["gc-eu-mq-dbg"].pal and not by["gc-us"].pal
    assert [v.id for v in vs if v.is_default] == ["gc-eu-mq-dbg"]
    with pytest.raises(CheckoutError, match="gc-eu-mq-dbg"):
        checkout.version("gc-xx")


def test_not_a_checkout_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    with pytest.raises(CheckoutError, match="include/versions.h.*spec"):
        Checkout.open(tmp_path)


def test_spec_lists_each_versions_tus(checkout: Checkout) -> None:
    tus = {v.id: [t.path for t in read_spec(checkout, v).tus] for v in checkout.versions()}
    assert "src/boot/cart_n64.c" in tus["ntsc-1.0"] and "src/boot/cart_n64.c" not in tus["gc-us"]
    assert "src/code/z_debug_menu.c" in tus["gc-eu-mq-dbg"]
    assert "src/code/z_debug_menu.c" not in tus["gc-us"]
    assert len(tus["gc-us"]) == 16 and len(tus["gc-eu-mq-dbg"]) == 17
    seg = {s.name: s for s in read_spec(checkout, checkout.version("gc-us")).segments}
    assert (seg["object_horse"].number, seg["object_horse"].romalign, seg["object_horse"].compress) == (6, 0x1000, True)
    assert seg["ovl_Effect_Ss_Dust"].overlay and not seg["ovl_En_Test"].overlay


def test_function_sets_per_version(facts: Facts) -> None:
    defined = {k for k, r in facts.nodes["Function"].items() if r["defined"]}
    common = {
        "bootproc",
        "Boot_Start",
        "Actor_Kill",
        "Actor_SetScale",
        "Actor_UpdatePos",
        "Actor_Update",
        "Object_GetSlot",
        "Object_SpawnPersistent",
        "EnHorse_Init",
        "EnHorse_Destroy",
        "EnHorse_Gallop",
        "EnHorse_Update",
        "EnHorse_Draw",
        "EnTest_Init",
        "EnTest_Destroy",
        "EnTest_Update",
        "EffectSsDust_Init",
        "EnHorseNormal_Init",
        "EnHorseNormal_Update",
        "EnAObj_Init",
        # the collider, skeleton and linker-symbol fixture code
        "Actor_ProcessInitChain",
        "Collider_InitCylinder",
        "Collider_SetCylinder",
        "Collider_DestroyCylinder",
        "Collider_UpdateCylinder",
        "CollisionCheck_SetOC",
        "SkelAnime_Init",
        "SkelAnime_Update",
        "SkelAnime_DrawOpa",
        "SkelAnime_Free",
        "DmaMgr_DoorOverlaySize",
        "Audio_FirstSequenceSize",
        "EnDoor_SetupAction",
        "EnDoor_Init",
        "EnDoor_Destroy",
        "EnDoor_Idle",
        "EnDoor_Open",
        "EnDoor_Update",
        "EnDoor_UpdateOpened",
        "EnDoor_OverrideLimbDraw",
        "EnDoor_Draw",
        "EnGirlA_InitCollider",
        "EnGirlA_Init",
        "EnGirlA_Destroy",
        "EnGirlA_Update",
        "EnGirlA_Draw",
    }
    common |= {"Message_GetState", "Message_CloseTextbox", "GameOver_Init", "GameOver_Update"}
    assert defined == common | {"Cart_Init", "Actor_DrawN64", "DebugMenu_Draw", "EnTest_Draw"}
    assert _versions_of(facts, "Function", "Cart_Init") == {"ntsc-1.0", "pal-1.0"}
    assert _versions_of(facts, "Function", "Actor_DrawN64") == {"ntsc-1.0", "pal-1.0"}
    assert _versions_of(facts, "Function", "DebugMenu_Draw") == {"gc-eu-mq-dbg"}
    # declared everywhere (its prototype), defined only where DEBUG_FEATURES is on
    assert _versions_of(facts, "Function", "EnTest_Draw", defined=True) == {"gc-eu-mq-dbg"}
    assert _versions_of(facts, "Function", "EnTest_Draw") == set(ALL)
    assert _edge(facts, "Function", "EnTest_Draw", "gc-us")["defined"] is False
    for name in common:
        assert _versions_of(facts, "Function", name) == set(ALL), name


def test_signature_differs_per_version_on_the_edge(facts: Facts) -> None:
    assert _edge(facts, "Function", "Actor_UpdatePos", "ntsc-1.0")["signature"] == "void Actor_UpdatePos(Actor * actor)"
    e = _edge(facts, "Function", "Actor_UpdatePos", "pal-1.0")
    assert e["signature"] == "void Actor_UpdatePos(Actor * actor, f32 speed)"
    assert json.loads(e["params"]) == [{"name": "actor", "type": "Actor *"}, {"name": "speed", "type": "f32"}]
    node = facts.nodes["Function"]["Actor_UpdatePos"]  # the default version's on the node
    assert node["signature"].endswith("f32 speed)") and node["file"] == "src/code/z_actor.c"
    assert node["line"] == 17 and node["return_type"] == "void" and node["static"] is False


def test_declared_only_functions(facts: Facts) -> None:
    sqrtf = facts.nodes["Function"]["sqrtf"]
    assert sqrtf["defined"] is False and sqrtf["signature"] == "f32 sqrtf(f32 x)"
    decl = {(r["from"], r["to"]) for r in facts.rel_rows("DECLARED_IN")}
    assert ("sqrtf", "include/actor.h") in decl and ("Actor_Kill", "include/actor.h") in decl
    defined_in = {(r["from"], r["to"]) for r in facts.rel_rows("DEFINED_IN") if r["from_kind"] == "Function"}
    assert ("Actor_Kill", "src/code/z_actor.c") in defined_in
    assert not any(f == "sqrtf" for f, _ in defined_in)


def test_call_edges(facts: Facts) -> None:
    calls = {(r["from"], r["to"]): (r["count"], sorted(r["versions"])) for r in facts.rel_rows("CALLS")}
    assert calls == {
        ("bootproc", "Boot_Start"): (2, sorted(ALL)),
        ("Actor_Update", "Actor_UpdatePos"): (1, sorted(ALL)),
        ("Actor_Update", "sqrtf"): (1, sorted(["pal-1.0", "gc-us", "gc-eu-mq-dbg"])),
        ("Actor_DrawN64", "Actor_SetScale"): (1, ["ntsc-1.0", "pal-1.0"]),
        ("Object_SpawnPersistent", "Object_GetSlot"): (1, sorted(ALL)),
        ("EnHorse_Init", "Actor_SetScale"): (1, sorted(ALL)),
        ("EnHorse_Init", "Object_GetSlot"): (1, sorted(ALL)),
        ("EnHorse_Update", "Actor_Update"): (1, sorted(ALL)),
        ("EnTest_Init", "Object_SpawnPersistent"): (1, sorted(ALL)),
        ("EnTest_Destroy", "Actor_Kill"): (1, sorted(ALL)),
        ("DebugMenu_Draw", "Actor_Kill"): (1, ["gc-eu-mq-dbg"]),
        # z_message.c and z_game_over.c: linked through one combined object
        ("GameOver_Init", "Message_CloseTextbox"): (1, sorted(ALL)),
        ("GameOver_Update", "Message_GetState"): (1, sorted(ALL)),
        ("GameOver_Update", "GameOver_Init"): (1, sorted(ALL)),
        ("EnDoor_Destroy", "Collider_DestroyCylinder"): (1, sorted(ALL)),
        ("EnDoor_Destroy", "SkelAnime_Free"): (1, sorted(ALL)),
        ("EnDoor_Draw", "SkelAnime_DrawOpa"): (1, sorted(ALL)),
        ("EnDoor_Idle", "EnDoor_SetupAction"): (1, sorted(ALL)),
        ("EnDoor_Init", "Actor_ProcessInitChain"): (1, sorted(ALL)),
        ("EnDoor_Init", "Collider_InitCylinder"): (1, sorted(ALL)),
        ("EnDoor_Init", "Collider_SetCylinder"): (1, sorted(ALL)),
        ("EnDoor_Init", "EnDoor_SetupAction"): (1, sorted(ALL)),
        ("EnDoor_Init", "SkelAnime_Init"): (1, sorted(ALL)),
        ("EnDoor_Open", "SkelAnime_Update"): (1, sorted(ALL)),
        ("EnDoor_Update", "Collider_UpdateCylinder"): (1, sorted(ALL)),
        # one call in each version: the #if and #else branches each have one
        ("EnDoor_Update", "CollisionCheck_SetOC"): (1, sorted(ALL)),
        ("EnDoor_UpdateOpened", "Actor_SetScale"): (1, sorted(ALL)),
        ("EnGirlA_Destroy", "Collider_DestroyCylinder"): (1, sorted(ALL)),
        ("EnGirlA_Init", "EnGirlA_InitCollider"): (1, sorted(ALL)),
        ("EnGirlA_InitCollider", "Collider_InitCylinder"): (1, sorted(ALL)),
        ("EnGirlA_InitCollider", "Collider_SetCylinder"): (1, sorted(ALL)),
        ("EnGirlA_Update", "Collider_UpdateCylinder"): (1, sorted(ALL)),
        ("EnGirlA_Update", "CollisionCheck_SetOC"): (1, sorted(ALL)),
        ("EnHorseNormal_Init", "Collider_InitCylinder"): (1, sorted(ALL)),
        ("EnHorseNormal_Init", "Collider_SetCylinder"): (1, sorted(ALL)),
        ("EnHorseNormal_Update", "Collider_UpdateCylinder"): (1, sorted(ALL)),
        ("EnHorseNormal_Update", "CollisionCheck_SetOC"): (1, sorted(ALL)),
    }
    fn = facts.nodes["Function"]
    assert fn["Actor_Update"]["indirect_calls"] == 1  # actor->update(actor, play)
    assert fn["EnHorse_Update"]["indirect_calls"] == 1  # this->actionFunc(this, play)
    assert fn["EnHorse_Init"]["indirect_calls"] == 0


def test_struct_layout_on_mips_differs_with_debug_fields(facts: Facts) -> None:
    assert _edge(facts, "Struct", "Actor", "gc-us")["size"] == 0x20
    assert _edge(facts, "Struct", "Actor", "gc-eu-mq-dbg")["size"] == 0x24
    assert _edge(facts, "Struct", "Actor", "gc-eu-mq-dbg")["align"] == 4
    offsets = {v: _edge(facts, "Field", "Actor.scale", v)["offset"] for v in ALL}
    assert offsets == {"ntsc-1.0": 0x14, "pal-1.0": 0x14, "gc-us": 0x14, "gc-eu-mq-dbg": 0x18}
    assert _versions_of(facts, "Field", "Actor.debugCounter") == {"gc-eu-mq-dbg"}
    upd = _edge(facts, "Field", "Actor.update", "gc-us")
    assert (upd["offset"], upd["size"], upd["type"]) == (0x1C, 4, "ActorFunc")
    assert facts.nodes["Field"]["Actor.pos"]["type"] == "Vec3f"
    assert facts.nodes["Struct"]["Vec3s"]["size"] == 6 and facts.nodes["Struct"]["Vec3s"]["align"] == 2
    of_type = {(r["from"], r["to_kind"], r["to"]) for r in facts.rel_rows("OF_TYPE")}
    assert ("EnHorse.actor", "Struct", "Actor") in of_type
    assert ("Actor.pos", "Struct", "Vec3f") in of_type
    assert ("Actor.parent", "Struct", "Actor") in of_type  # through the pointer
    assert ("Actor.update", "Typedef", "ActorFunc") in of_type
    params = {(r["from"], r["to"], r["position"]) for r in facts.rel_rows("HAS_PARAM_TYPE")}
    assert ("Actor_Update", "Actor", 0) in params and ("Actor_Update", "PlayState", 1) in params


def test_enums_typedefs_globals_defines(facts: Facts) -> None:
    ec = facts.nodes["EnumConstant"]
    assert ec["ACTOR_EN_HORSE"]["value"] == 0x14 and ec["ACTOR_EN_HORSE"]["enum"] == "ActorID"
    assert ec["OBJECT_HORSE"]["value"] == 8 and ec["ACTORCAT_NPC"]["value"] == 3
    assert facts.nodes["Typedef"]["s16"]["underlying"] == "short"
    g = facts.nodes["Global"]
    assert g["gBootCount"]["static"] is False and g["gBootCount"]["type"] == "s32"
    assert g["src/boot/boot_main.c:sBootState"]["static"] is True
    assert g["src/boot/boot_main.c:sBootState"]["name"] == "sBootState" and "sBootState" not in g
    # two files' statics of one name are two variables, each with its own type and file
    horse = g["src/overlays/actors/ovl_En_Horse/z_en_horse.c:sSpeed"]
    test = g["src/overlays/actors/ovl_En_Test/z_en_test.c:sSpeed"]
    assert (horse["type"], test["type"]) == ("f32", "s16") and "sSpeed" not in g
    assert {
        (r["from"], r["to"])
        for r in facts.rel_rows("DEFINED_IN")
        if r["from_kind"] == "Global" and r["from"].endswith(":sSpeed")
    } == {
        ("src/overlays/actors/ovl_En_Horse/z_en_horse.c:sSpeed", "src/overlays/actors/ovl_En_Horse/z_en_horse.c"),
        ("src/overlays/actors/ovl_En_Test/z_en_test.c:sSpeed", "src/overlays/actors/ovl_En_Test/z_en_test.c"),
    }
    assert _edge(facts, "Global", "gBuildDate", "ntsc-1.0")["type"] == "const char[9]"
    d = facts.nodes["Define"]
    assert d["ACTOR_FLAG_HOSTILE"]["value"] == 4 and d["ACTOR_FLAG_HOSTILE"]["file"] == "include/actor.h"
    assert d["ACTOR_NUMBER_MAX"]["value"] == 200
    assert _versions_of(facts, "Define", "ACTOR_DEBUG_COLOR") == {"gc-eu-mq-dbg"}
    assert _edge(facts, "Define", "OOT_PAL", "pal-1.0")["value"] == 1
    assert _edge(facts, "Define", "OOT_PAL", "gc-us")["value"] == 0


def test_every_macro_is_a_define(facts: Facts) -> None:
    """Function-like, non-integer, src/ header and .c macros are Define nodes too; a value only
    where the body is an integer constant; the active #if branch per version."""
    d = facts.nodes["Define"]
    frames = d["PLAY_FRAMES"]
    assert (frames["params"], frames["body"], frames["function_like"]) == ("(play)", "((play)->frames)", True)
    assert frames.get("value") is None and frames["file"] == "include/play_state.h"
    assert _versions_of(facts, "Define", "PLAY_FRAMES") == set(ALL)
    assert d["OBJECT_CTX"]["body"] == "objectCtx" and d["OBJECT_CTX"].get("value") is None
    assert not d["OBJECT_CTX"]["function_like"]
    spawn = d["PLAY_SPAWN"]
    assert spawn["params"] == "(play, id, file, line)"
    dbg, us = _edge(facts, "Define", "PLAY_SPAWN", "gc-eu-mq-dbg"), _edge(facts, "Define", "PLAY_SPAWN", "gc-us")
    assert dbg["text"] == "Object_SpawnPersistent(&(play)->OBJECT_CTX, id)"  # lines joined
    assert us["line"] == dbg["line"] + 3 and us["file"] == "include/play_state.h"
    # a src/ header: its own body, no value (the probe only evaluates include/)
    gallop = d["EN_HORSE_GALLOP_FRAMES"]
    assert (gallop["body"], gallop["file"]) == ("12", "src/overlays/actors/ovl_En_Horse/z_en_horse.h")
    # integer macros keep their values; one only in the debug build exists only there
    assert d["ACTOR_FLAG_HOSTILE"]["value"] == 4 and not d["ACTOR_FLAG_HOSTILE"]["function_like"]
    assert _versions_of(facts, "Define", "ACTOR_DEBUG_COLOR") == {"gc-eu-mq-dbg"}
    # FLAGS: one per actor file, different bodies -> no single body or file on the node
    assert d["FLAGS"].get("body") is None and d["FLAGS"].get("file") is None
    assert _versions_of(facts, "Define", "FLAGS") == set(ALL)
    assert all(_edge(facts, "Define", "FLAGS", v).get("text") is None for v in ALL)
    assert "PLAY_STATE_H" not in d and "DEFINE_ACTOR" in d


def test_actor_profiles(facts: Facts) -> None:
    horse = facts.nodes["Actor"]["ACTOR_EN_HORSE"]
    assert horse["id"] == 0x14 and horse["category"] == "ACTORCAT_BG" and horse["flags"] == 0x30
    assert horse["flag_names"] == ["ACTOR_FLAG_UPDATE_CULLING_DISABLED", "ACTOR_FLAG_DRAW_CULLING_DISABLED"]
    assert horse["object"] == "OBJECT_HORSE" and horse["instance_struct"] == "EnHorse"
    assert horse["file"] == "src/overlays/actors/ovl_En_Horse/z_en_horse.c"
    assert {v: _edge(facts, "Actor", "ACTOR_EN_HORSE", v)["size"] for v in ALL} == {
        "ntsc-1.0": 0x2C,
        "pal-1.0": 0x2C,
        "gc-us": 0x2C,
        "gc-eu-mq-dbg": 0x30,
    }
    roles = {(r["from"], r["role"], r["to"]) for r in facts.rel_rows("PROFILE_FN")}
    assert {
        ("ACTOR_EN_HORSE", "init", "EnHorse_Init"),
        ("ACTOR_EN_HORSE", "destroy", "EnHorse_Destroy"),
        ("ACTOR_EN_HORSE", "update", "EnHorse_Update"),
        ("ACTOR_EN_HORSE", "draw", "EnHorse_Draw"),
        ("ACTOR_EN_TEST", "draw", "EnTest_Draw"),  # the #if inside the profile, debug side
        ("EFFECT_SS_DUST", "init", "EffectSsDust_Init"),
    } <= roles
    assert ("ACTOR_EN_HORSE", "EnHorse") in {(r["from"], r["to"]) for r in facts.rel_rows("INSTANCE_OF")}
    test = facts.nodes["Actor"]["ACTOR_EN_TEST"]
    assert test["flag_names"] == ["ACTOR_FLAG_HOSTILE"] and test["category"] == "ACTORCAT_NPC"
    assert facts.nodes["EffectSs"]["EFFECT_SS_DUST"]["id"] == 0


def test_profiles_belong_to_the_actor_of_their_overlay(facts: Facts) -> None:
    """A profile whose id field names another actor is still its overlay's actor; an internal
    actor's profile (linked into code) is found by its table entry's ``X_Profile`` name."""
    actors = facts.nodes["Actor"]
    wild = actors["ACTOR_EN_HORSE_NORMAL"]
    assert wild["file"] == "src/overlays/actors/ovl_En_Horse_Normal/z_en_horse_normal.c"
    assert (wild["profile_id_enum"], wild["profile_id"]) == ("ACTOR_EN_HORSE", 0x14)
    assert wild.get("id") is None  # the table's position is the id, not the quirky field
    assert wild["category"] == "ACTORCAT_BG" and wild["instance_struct"] == "EnHorseNormal"
    horse = actors["ACTOR_EN_HORSE"]
    assert horse["file"] == "src/overlays/actors/ovl_En_Horse/z_en_horse.c"
    assert horse["profile_id_enum"] == "ACTOR_EN_HORSE" and horse["instance_struct"] == "EnHorse"
    roles = {(r["from"], r["role"], r["to"]) for r in facts.rel_rows("PROFILE_FN")}
    assert ("ACTOR_EN_HORSE_NORMAL", "init", "EnHorseNormal_Init") in roles
    assert not {r for r in roles if r[0] == "ACTOR_EN_HORSE" and r[2].startswith("EnHorseNormal")}
    assert {r["from"] for r in facts.rel_rows("INSTANCE_OF") if r["to"] == "EnHorseNormal"} == {"ACTOR_EN_HORSE_NORMAL"}
    aobj = actors["ACTOR_EN_A_OBJ"]
    assert aobj["file"] == "src/code/z_en_a_keep.c" and aobj["id"] == 0x10
    assert _versions_of(facts, "Actor", "ACTOR_EN_HORSE_NORMAL") == set(ALL)


def test_quirky_profile_ids_are_reported(checkout: Checkout, tmp_path: Path) -> None:
    ctx = IngestContext(checkout=checkout, versions=[checkout.version("gc-us")], cache_dir=tmp_path, jobs=1)
    c_source(ctx)
    assert "ACTOR_EN_HORSE_NORMAL (id ACTOR_EN_HORSE)" in ctx.notes["c"]


def test_object_dependencies(facts: Facts) -> None:
    uses = {(r["from"], r["via"], r["to"]) for r in facts.rel_rows("USES_OBJECT")}
    assert uses == {
        ("ACTOR_EN_HORSE", "profile", "OBJECT_HORSE"),
        ("ACTOR_EN_HORSE", "include", "OBJECT_HORSE"),
        ("ACTOR_EN_HORSE", "runtime", "OBJECT_HUMAN"),
        ("ACTOR_EN_TEST", "profile", "OBJECT_GAMEPLAY_KEEP"),
        ("ACTOR_EN_TEST", "runtime", "OBJECT_GAMEPLAY_FIELD_KEEP"),
        ("ACTOR_EN_HORSE_NORMAL", "profile", "OBJECT_HORSE"),
        ("ACTOR_EN_A_OBJ", "profile", "OBJECT_GAMEPLAY_KEEP"),
        ("ACTOR_EN_DOOR", "profile", "OBJECT_GAMEPLAY_KEEP"),
        ("ACTOR_EN_GIRLA", "profile", "OBJECT_GAMEPLAY_KEEP"),
    }


def test_files_segments_and_stubs_outside_the_checkout(facts: Facts, checkout: Checkout) -> None:
    files = facts.nodes["File"]
    horse = files["src/overlays/actors/ovl_En_Horse/z_en_horse.c"]
    assert horse["segment"] == "ovl_En_Horse" and horse["errors"] == 0 and horse["kind"] == "c"
    assert len(horse["sha"]) == 40
    assert "include/actor.h" in files
    assert not any(p.startswith("assets/") for p in files)  # generated stubs are not files of it
    seg = facts.nodes["Segment"]["object_horse"]
    assert (seg["number"], seg["romalign"], seg["compress"], seg["overlay"]) == (6, 4096, True, False)
    assert ("src/boot/cart_n64.c", "boot") in {(r["from"], r["to"]) for r in facts.rel_rows("IN_SEGMENT")}
    assert _versions_of(facts, "Segment", "boot") == set(ALL)
    assert not (MINI / "assets" / "objects").exists()  # nothing written into the checkout
    # the Latin-1 byte in z_en_test.c's comment does not stop anything
    assert "EnTest_Update" in facts.nodes["Function"]


@pytest.fixture(scope="module")
def graph(checkout: Checkout, tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    tmp = tmp_path_factory.mktemp("graph")
    settings = Settings(db=tmp / "graph", cache_dir=tmp / "cache")
    report, _ = run_ingest(
        checkout,
        checkout.versions(),
        settings.cache_dir,
        lambda: open_store(settings, read_only=False),
        only_sources=["c"],
        jobs=1,
    )
    assert not report.partial and report.counts["Function"] == 55
    store = open_store(settings)
    yield store
    store.close()


def _named(store: GraphStore, query: str, **params) -> list[dict]:
    q = QueryCatalog(store="embedded").get(query)
    return store.run(q.runnable, q.bind(params))


def test_struct_layout_query(graph: GraphStore) -> None:
    rows = _named(graph, "struct_layout", name="Actor", version="ntsc-1.0")
    assert [(r["field"], r["offset"], r["size"]) for r in rows] == [
        ("id", 0, 2),
        ("category", 2, 1),
        ("flags", 4, 4),
        ("pos", 8, 12),
        ("scale", 0x14, 4),
        ("parent", 0x18, 4),
        ("update", 0x1C, 4),
    ]
    assert {r["struct_size"] for r in rows} == {0x20}
    dbg = _named(graph, "struct_layout", name="Actor")  # default version
    assert ("debugCounter", 0x14) in [(r["field"], r["offset"]) for r in dbg]
    assert {r["struct_size"] for r in dbg} == {0x24}


def test_version_diff_query(graph: GraphStore) -> None:
    rows = _named(graph, "version_diff", a="ntsc-1.0", b="gc-eu-mq-dbg")
    got = {(r["kind"], r["name"]): (r["before"], r["after"], r["before_value"], r["after_value"]) for r in rows}
    assert got[("Function", "Actor_UpdatePos")] == (
        "void Actor_UpdatePos(Actor * actor)",
        "void Actor_UpdatePos(Actor * actor, f32 speed)",
        None,
        None,
    )
    assert got[("Function", "Cart_Init")] == ("s32 Cart_Init(void)", None, None, None)
    assert got[("Function", "DebugMenu_Draw")][:2] == (None, "void DebugMenu_Draw(Actor * actor)")
    assert got[("Struct", "Actor")][2:] == (0x20, 0x24)
    assert got[("Field", "Actor.scale")] == ("f32", "f32", 0x14, 0x18)
    assert got[("Field", "Actor.debugCounter")] == (None, "s32", None, 0x14)
    assert got[("Actor", "ACTOR_EN_HORSE")][2:] == (0x2C, 0x30)
    assert got[("Define", "OOT_PAL")][2:] == (0, 1)
    assert got[("Define", "PLAY_SPAWN")] == (  # a body that differs, no value
        "Object_SpawnPersistent(&(play)->objectCtx, id)",
        "Object_SpawnPersistent(&(play)->OBJECT_CTX, id)",
        None,
        None,
    )
    assert got[("Define", "ACTOR_DEBUG_COLOR")][2:] == (None, 0xFF00FF)
    assert ("Define", "PLAY_FRAMES") not in got
    assert ("Function", "Actor_Kill") not in got  # the same in both
    only = _named(graph, "version_diff", a="ntsc-1.0", b="pal-1.0", name="Actor_")
    assert {(r["kind"], r["name"]) for r in only} == {("Function", "Actor_UpdatePos")}


def test_shared_parses_give_what_each_version_alone_gives(checkout: Checkout, facts: Facts, tmp_path: Path) -> None:
    """Versions that preprocess a TU alike share one parse; the facts must not change."""
    for vid in ("gc-us", "ntsc-1.0"):
        ctx = IngestContext(checkout=checkout, versions=checkout.select([vid]), cache_dir=tmp_path / vid, jobs=1)
        alone = c_source(ctx)
        for kind in ("Function", "Struct", "Field", "Actor", "Define", "EnumConstant"):
            got = {
                r["from"]: {k: v for k, v in r.items() if k not in ("from_kind", "to_kind")}
                for r in alone.rel_rows("IN_VERSION")
                if r["from_kind"] == kind
            }
            shared = {
                r["from"]: {k: v for k, v in r.items() if k not in ("from_kind", "to_kind")}
                for r in facts.rel_rows("IN_VERSION")
                if r["from_kind"] == kind and r["to"] == vid
            }
            assert got == shared, (vid, kind)
        calls = {(r["from"], r["to"]) for r in alone.rel_rows("CALLS")}
        assert calls == {(r["from"], r["to"]) for r in facts.rel_rows("CALLS") if vid in r["versions"]}


def test_fewer_parses_than_version_tu_pairs(checkout: Checkout, tmp_path: Path) -> None:
    ctx = IngestContext(checkout=checkout, versions=checkout.versions(), cache_dir=tmp_path, jobs=1)
    c_source(ctx)
    pairs = sum(r["files"] for r in ctx.stats["per_version"])
    parses = int(ctx.notes["c"].split()[0])
    assert pairs == 17 + 17 + 16 + 17 and parses < pairs + 4  # +prefix/header parses
    ctx2 = IngestContext(checkout=checkout, versions=checkout.versions(), cache_dir=tmp_path, jobs=1)
    c_source(ctx2)
    assert ctx2.notes["c"].startswith("0 TU parses")  # all from the cache
