"""Known answers for the named queries generation adds (context_*, generate_*, coverage)."""

from __future__ import annotations

import pytest

from generate.context import Queries
from kg.store import open_store
from tests.gen_graph import DBG, NTSC, definition_line, make_store


@pytest.fixture(scope="module")
def q(tmp_path_factory):
    settings = make_store(tmp_path_factory.mktemp("gq") / "graph")
    with open_store(settings) as store:
        yield Queries(store)


def test_context_function_signature_site_and_address(q):
    rows = q.run("context_function", name="Actor_Kill", version=DBG)
    assert rows == [
        {
            "name": "Actor_Kill",
            "signature": "void Actor_Kill(Actor* actor)",
            "return_type": "void",
            "params": '[{"name": "actor", "type": "Actor*"}]',
            "file": "src/code/z_actor.c",
            "line": definition_line("src/code/z_actor.c", "Actor_Kill"),
            "static": False,
            "in_version": DBG,
            "address": 0x8002D610,
            "size": None,
            "address_source": f"symbols/{DBG}",
        }
    ]


def test_context_function_absent_from_a_version(q):
    rows = q.run("context_function", name="DebugDisplay_AddObject", version=NTSC)
    assert rows[0]["in_version"] is None and rows[0]["address"] is None


def test_context_function_versions_oldest_first(q):
    rows = q.run("context_function_versions", name="Actor_Kill")
    assert [r["version"] for r in rows] == [NTSC, DBG]
    assert [r["version"] for r in q.run("context_function_versions", name="DebugDisplay_AddObject")] == [DBG]


def test_callers_and_callees(q):
    assert [(r["caller"], r["count"]) for r in q.run("context_callers", name="Actor_Kill")] == [("EnTite_Update", 2)]
    callees = q.run("context_callees", name="EnTite_Update")
    assert [(r["callee"], r["count"]) for r in callees] == [("Actor_Kill", 2), ("Actor_PlaySfx", 3)]
    assert callees[1]["signature"] == "void Actor_PlaySfx(Actor* actor, u16 sfxId)"
    assert len(q.run("context_callees", name="EnTite_Update", limit=1)) == 1


def test_profile_callees_bulk_matches_callees_of_profile_functions(q):
    bulk: dict[str, set[str]] = {}
    for r in q.run("context_all_profile_callees"):
        bulk.setdefault(r["function"], set()).add(r["callee"])
    assert bulk["EnTite_Update"] == {"Actor_Kill", "Actor_PlaySfx"}
    for fn, callees in bulk.items():
        assert callees == {r["callee"] for r in q.run("context_callees", name=fn, limit=500)}


def test_struct_size_fields_and_version_differences(q):
    assert q.run("context_struct", name="PlayState", version=NTSC)[0]["size"] == 0x117A4
    assert q.run("context_struct", name="PlayState", version=DBG)[0]["size"] == 0x12518
    fields = q.run("context_struct_fields", name="Actor", version=DBG)
    assert [f["field"] for f in fields][:4] == ["id", "category", "room", "flags"]
    assert {f["field"]: f["offset"] for f in fields}["world"] == 0x24
    sizes = q.run("context_struct_versions", name="PlayState")
    assert [(r["version"], r["size"]) for r in sizes] == [(NTSC, 0x117A4), (DBG, 0x12518)]
    moved = {(r["field"], r["version"]): r["offset"] for r in q.run("context_field_versions", name="EnTite")}
    assert moved[("vAttackState", NTSC)] == 0x198 and moved[("vAttackState", DBG)] == 0x194


def test_actor_profile_and_objects(q):
    a = q.run("context_actor", enum="ACTOR_EN_TITE")[0]
    assert (a["id"], a["category"], a["instance_size"], a["instance_struct"]) == (
        0x1B,
        "ACTORCAT_ENEMY",
        0x2E0,
        "EnTite",
    )
    roles = {r["role"]: r["function"] for r in q.run("context_actor_profile", enum="ACTOR_EN_TITE")}
    assert roles == {
        "init": "EnTite_Init",
        "destroy": "EnTite_Destroy",
        "update": "EnTite_Update",
        "draw": "EnTite_Draw",
    }
    assert q.run("context_actor_objects", enum="ACTOR_EN_TITE") == [
        {"object": "OBJECT_TITE", "id": 0x17, "segment": "object_tite", "via": "profile", "versions": None}
    ]


def test_scene_object_global_and_small_kinds(q):
    s = q.run("context_scene", enum="SCENE_HYRULE_FIELD")[0]
    assert (s["id"], s["rooms"], s["entrances"], s["first_entrance"]) == (0x51, 1, 1, "ENTR_HYRULE_FIELD_0")
    o = q.run("context_object", enum="OBJECT_TITE")[0]
    assert (o["assets"], o["actors"]) == (2, ["ACTOR_EN_TITE"])
    assets = q.run("context_object_assets", enum="OBJECT_TITE")
    assert [a["name"] for a in assets] == ["gTektiteBodyTex", "gTektiteSkel"]
    g = q.run("context_global", name="gSaveContext", version=NTSC)[0]
    assert (g["address"], g["struct"]) == (0x8011A5D0, "SaveContext")
    addrs = {r["version"]: r["address"] for r in q.run("context_addresses", name="gSaveContext")}
    assert addrs == {NTSC: 0x8011A5D0, DBG: 0x8015E660}
    assert {r["version"] for r in q.run("context_addresses", name="Actor_Kill")} == {NTSC, DBG}
    assert q.run("context_sequence", enum="NA_BGM_FIELD_LOGIC")[0]["id"] == 2
    assert q.run("context_sfx", enum="NA_SE_EN_TEKU_JUMP_WATER")[0]["bank"] == "enemy"
    seg = q.run("context_segment", name="ovl_En_Tite", version=DBG)[0]
    assert seg["overlay"] is True and seg["files"] == ["src/overlays/actors/ovl_En_Tite/z_en_tite.c"]
    assert [r["name"] for r in q.run("context_functions_like", text="Sfx")] == ["Actor_PlaySfx"]


def test_concepts_and_covers(q):
    c = q.run("context_concept", id="actor-drawing")[0]
    assert sorted(c["requires"]) == ["actor-lifecycle", "display-lists"]
    assert q.run("context_concept_covers", id="actor-drawing") == [
        {"kind": "Function", "key": "EnTite_Draw"},
        {"kind": "Object", "key": "OBJECT_TITE"},
    ]
    covers = q.run("generate_covers")
    assert {"concept": "actor-basics", "kind": "Struct", "key": "Actor"} in covers
    concepts = {r["id"]: r for r in q.run("generate_concepts")}
    assert set(concepts) == {"actor-basics", "actor-lifecycle", "display-lists", "actor-drawing"}
    assert concepts["actor-lifecycle"]["requires"] == ["actor-basics"]


def test_generate_targets_versions_and_ingest_run(q):
    rows = {(r["kind"], r["key"]): r for r in q.run("generate_targets")}
    assert ("Actor", "ACTOR_PLAYER") not in rows  # internal actors are not targets
    assert sorted(rows[("Function", "DebugDisplay_AddObject")]["versions"]) == [DBG]
    assert rows[("Actor", "ACTOR_EN_TITE")]["detail"] == "ACTORCAT_ENEMY"
    assert [r["id"] for r in q.run("generate_versions")] == [NTSC, DBG]
    assert q.run("generate_ingest_run")[0]["id"] == "ingest-fixture-1"


def test_coverage_queries_before_any_example(q):
    assert [r["actor"] for r in q.run("coverage_actors")] == ["ACTOR_EN_KUSA", "ACTOR_EN_TITE"]
    assert q.run("examples_per_concept") == []
    assert q.run("examples_by_family") == []


def test_scene_rooms_and_entrances(q):
    rows = q.run("context_scene_rooms", enum="SCENE_HYRULE_FIELD")
    assert sorted(rows, key=lambda r: r["what"]) == [
        {"what": "entrance", "name": "ENTR_HYRULE_FIELD_0", "position": 0},
        {"what": "room", "name": "spot00_room_0", "position": 0},
    ]


def test_param_types_with_their_files(q):
    assert q.run("context_param_types", name="EnTite_Update") == [
        {"position": 0, "type": "Actor", "file": "include/z64.h"},
        {"position": 1, "type": "PlayState", "file": "include/z64.h"},
    ]
    assert q.run("context_param_types", name="Sram_WriteSave") == []


def test_global_versions(q):
    assert q.run("context_global_versions", name="gSaveContext") == [
        {"version": NTSC, "ordinal": 0, "type": "SaveContext"},
        {"version": DBG, "ordinal": 1, "type": "SaveContext"},
    ]
