"""The domain's named queries on the embedded store, against known answers from the fixture tree.

The graph is the fixture's tables, asset XML and addresses (real ingesters) plus a small set
of C facts shaped like the C source's (functions, globals, the En_Horse profile), which this
file writes by hand because the C walk is tested elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.facts import Facts
from kg.queries import run_named
from kg.settings import Settings
from kg.store import GraphStore, open_store
from tests.conftest import FIXTURES

MINI = FIXTURES / "minidecomp"
MAP = FIXTURES / "maps" / "oot-ntsc-1.0.map"


def c_facts() -> Facts:
    c = Facts()
    for name in [
        "cleararena",
        "bootproc",
        "Main_ThreadEntry",
        "Idle_ThreadEntry",
        "Actor_Kill",
        "Actor_SetFocus",
        "EnHorse_Init",
        "EnHorse_Destroy",
        "EnHorse_Update",
        "EnHorse_Draw",
    ]:
        c.node("Function", name=name)
    for name in ["gSaveContext", "gIdentityMtx", "gGameInfo"]:
        c.node("Global", id=name, name=name)
    c.node("Global", id="gSaveContext", name="gSaveContext", type="SaveContext")
    c.node("Struct", name="SaveContext", size=0x1428)
    c.node("Struct", name="EnHorse", size=0x3FC)
    for v, size in [("ntsc-1.0", 0x3EC), ("pal-1.0", 0x3EC), ("gc-us", 0x3EC), ("gc-eu-mq-dbg", 0x3FC)]:
        c.rel("IN_VERSION", "EnHorse", v, from_kind="Struct", to_kind="Version", size=size)
        c.rel(
            "IN_VERSION",
            "ACTOR_EN_HORSE",
            v,
            from_kind="Actor",
            to_kind="Version",
            size=size,
            value=0x10,
            file="src/overlays/actors/ovl_En_Horse/z_en_horse.c",
            line=94,
        )
    c.node(
        "Actor",
        enum="ACTOR_EN_HORSE",
        category="ACTORCAT_BG",
        flags=0x10,
        object="OBJECT_HORSE",
        instance_size=0x3FC,
        instance_struct="EnHorse",
        file="src/overlays/actors/ovl_En_Horse/z_en_horse.c",
    )
    for role in ("init", "destroy", "update", "draw"):
        c.rel(
            "PROFILE_FN",
            "ACTOR_EN_HORSE",
            f"EnHorse_{role.capitalize()}",
            from_kind="Actor",
            to_kind="Function",
            role=role,
        )
    c.rel("INSTANCE_OF", "ACTOR_EN_HORSE", "EnHorse")
    c.rel("USES_OBJECT", "ACTOR_EN_HORSE", "OBJECT_HORSE", from_kind="Actor", to_kind="Object", via="profile")
    c.rel("USES_OBJECT", "ACTOR_EN_HORSE", "OBJECT_GAMEPLAY_KEEP", from_kind="Actor", to_kind="Object", via="include")
    c.rel(
        "USES_OBJECT",
        "ACTOR_EN_HORSE_NORMAL",
        "OBJECT_GAMEPLAY_KEEP",
        from_kind="Actor",
        to_kind="Object",
        via="profile",
    )
    c.rel("USES_OBJECT", "ACTOR_EN_A_OBJ", "OBJECT_GAMEPLAY_KEEP", from_kind="Actor", to_kind="Object", via="profile")
    c.rel("USES_OBJECT", "ACTOR_EN_A_OBJ", "OBJECT_GAMEPLAY_KEEP", from_kind="Actor", to_kind="Object", via="runtime")
    return c


def domain_facts(cache: Path, maps: list | None = None) -> Facts:
    from ingest.checkout.checkout import Checkout
    from ingest.context import IngestContext
    from ingest.domain.addresses import addresses_source
    from ingest.domain.assets_xml import assets_source
    from ingest.domain.tables import tables_source

    if not (MINI / "include" / "versions.h").is_file():
        pytest.skip("the fixture tree has no include/versions.h yet (written with its C files)")
    co = Checkout.open(MINI)
    versions = co.versions()
    c = c_facts()
    ctx = IngestContext(checkout=co, versions=versions, cache_dir=cache, c_facts=c, maps=maps or [])
    facts = Facts().merge(c)
    for source in (tables_source, assets_source, addresses_source):
        ctx.facts = facts
        facts.merge(source(ctx))
    for v in versions:
        facts.node(
            "Version",
            id=v.id,
            name=v.name,
            ordinal=v.ordinal,
            platform=v.platform,
            debug=v.debug,
            is_default=v.is_default,
        )
    facts.prune_dangling()
    return facts


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    from ingest.context import MapInput

    tmp = tmp_path_factory.mktemp("domain")
    facts = domain_facts(tmp / "cache", [MapInput(path=MAP, version="ntsc-1.0")])
    settings = Settings(db=tmp / "graph", cache_dir=tmp / "cache")
    with open_store(settings, read_only=False) as store:
        store.schema_setup()
        store.replace_graph(facts)
    store = open_store(settings, read_only=True)
    yield store
    store.close()


@pytest.mark.parametrize("name", ["En_Horse", "ovl_En_Horse", "ACTOR_EN_HORSE", "en_horse"])
def test_actor_by_any_of_its_names(graph: GraphStore, name: str) -> None:
    rows = run_named(graph, "actor", name=name)
    assert [r["version"] for r in rows] == ["ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"]
    first = rows[0]
    assert {
        k: first[k]
        for k in (
            "enum",
            "id",
            "name",
            "overlay",
            "category",
            "flags",
            "alloc",
            "object",
            "instance_struct",
            "init",
            "destroy",
            "update",
            "draw",
            "file",
        )
    } == {
        "enum": "ACTOR_EN_HORSE",
        "id": 0x14,
        "name": "En_Horse",
        "overlay": "ovl_En_Horse",
        "category": "ACTORCAT_BG",
        "flags": 0x10,
        "alloc": "ACTOROVL_ALLOC_NORMAL",
        "object": "OBJECT_HORSE",
        "instance_struct": "EnHorse",
        "init": "EnHorse_Init",
        "destroy": "EnHorse_Destroy",
        "update": "EnHorse_Update",
        "draw": "EnHorse_Draw",
        "file": "src/overlays/actors/ovl_En_Horse/z_en_horse.c",
    }
    assert [(r["instance_size"], r["overlay_vram"]) for r in rows] == [
        (0x3EC, ["0x808781F0"]),
        (0x3EC, ["0x80878D90"]),
        (0x3EC, ["0x80A41B50"]),
        (0x3FC, ["0x80A5B2F0"]),
    ]


def test_actor_unknown(graph: GraphStore) -> None:
    assert run_named(graph, "actor", name="En_Nothing") == []


def test_actors_using_object(graph: GraphStore) -> None:
    rows = run_named(graph, "actors_using_object", object="OBJECT_GAMEPLAY_KEEP")
    assert [(r["id"], r["actor"], sorted(r["via"])) for r in rows] == [
        (0x10, "ACTOR_EN_A_OBJ", ["profile", "runtime"]),
        (0x14, "ACTOR_EN_HORSE", ["include"]),
        (0x15, "ACTOR_EN_HORSE_NORMAL", ["profile"]),
    ]
    assert run_named(graph, "actors_using_object", object="gameplay_keep") == rows
    assert [r["actor"] for r in run_named(graph, "actors_using_object", object="object_horse")] == ["ACTOR_EN_HORSE"]


def test_object(graph: GraphStore) -> None:
    rows = run_named(graph, "object", name="object_horse")
    assert len(rows) == 12
    assert {(r["enum"], r["id"], r["segment"], r["segment_number"]) for r in rows} == {
        ("OBJECT_HORSE", 8, "object_horse", 6)
    }
    assert rows[0]["actors"] == ["ACTOR_EN_HORSE"]
    by = {r["asset"]: r for r in rows}
    assert (by["gEponaSkel"]["kind"], by["gEponaSkel"]["offset"], by["gEponaSkel"]["count"]) == ("Skeleton", 0x9D74, 3)
    tex = by["gEponaNeckTex"]
    assert (tex["format"], tex["width"], tex["height"]) == ("i8", 16, 16)
    assert [r["kind"] for r in rows] == sorted(r["kind"] for r in rows)
    assert run_named(graph, "object", name="OBJECT_HORSE") == rows


def test_scene(graph: GraphStore) -> None:
    rows = run_named(graph, "scene", name="SCENE_HYRULE_FIELD")
    assert rows == [
        {
            "enum": "SCENE_HYRULE_FIELD",
            "id": 1,
            "segment": "spot00_scene",
            "title_card": "g_pn_01",
            "draw_config": "SDC_HYRULE_FIELD",
            "rooms": ["spot00_room_0"],
            "entrances": ["ENTR_HYRULE_FIELD_0", "ENTR_HYRULE_FIELD_0_1", "ENTR_HYRULE_FIELD_1", "ENTR_HYRULE_FIELD_2"],
            "versions": ["ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"],
        }
    ]
    test = run_named(graph, "scene", name="test01_scene")[0]
    assert (test["title_card"], test["versions"], test["rooms"]) == (None, ["gc-eu-mq-dbg"], ["test01_room_0"])
    assert run_named(graph, "scene", name="ydan_scene")[0]["rooms"] == ["ydan_room_0", "ydan_room_1"]


def test_symbol_at_a_variable(graph: GraphStore) -> None:
    rows = run_named(graph, "symbol_at", address="0x8011A5D0", version="ntsc-1.0")
    got = {(r["kind"], r["name"], r["offset"], r["source"]) for r in rows}
    assert got == {
        ("Global", "gSaveContext", 0, "map"),
        ("Global", "gSaveContext", 0, "z64hdr"),
        ("Segment", "code", 0x8011A5D0 - 0x800110A0, "segments.csv"),
    }


def test_symbol_at_inside_a_function(graph: GraphStore) -> None:
    rows = run_named(graph, "symbol_at", address=0x80020EC4, version="ntsc-1.0")
    funcs = {(r["name"], r["offset"], r["size"], r["source"]) for r in rows if r["kind"] == "Function"}
    assert funcs == {("Actor_Kill", 0x10, 0x3C, "map"), ("Actor_Kill", 0x10, 0x3C, "z64hdr")}
    # Past the function's end (the next symbol), it is no longer Actor_Kill.
    rows = run_named(graph, "symbol_at", address=0x80020EF4, version="ntsc-1.0")
    assert {r["name"] for r in rows if r["kind"] == "Function"} == {"Actor_SetFocus"}
    # An overlay address in another version.
    rows = run_named(graph, "symbol_at", address=0x80A5B300, version="gc-eu-mq-dbg")
    assert {(r["kind"], r["name"], r["offset"]) for r in rows} == {("Segment", "ovl_En_Horse", 0x10)}


def test_address_of(graph: GraphStore) -> None:
    rows = run_named(graph, "address_of", name="gSaveContext")
    assert [(r["version"], r["address"], r["source"]) for r in rows] == [
        ("ntsc-1.0", "0x8011A5D0", "map"),
        ("ntsc-1.0", "0x8011A5D0", "z64hdr"),
        ("gc-us", "0x8011B148", "disasm"),
        ("gc-eu-mq-dbg", "0x8015E660", "z64hdr"),
    ]
    assert {r["size"] for r in rows} == {0x1428, 0x1430}
    seg = run_named(graph, "address_of", name="ovl_En_Horse")
    assert [(r["version"], r["address"], r["source"]) for r in seg] == [
        ("ntsc-1.0", "0x808781F0", "map"),
        ("ntsc-1.0", "0x808781F0", "segments.csv"),
        ("pal-1.0", "0x80878D90", "segments.csv"),
        ("gc-us", "0x80A41B50", "segments.csv"),
        ("gc-eu-mq-dbg", "0x80A5B2F0", "segments.csv"),
    ]
    assert run_named(graph, "address_of", name="No_Such_Symbol") == []


def test_a_wrong_version_map_stops_the_ingest_before_anything_is_written(tmp_path: Path) -> None:
    from ingest.context import MapInput
    from ingest.domain.mapfile import MapError

    with pytest.raises(MapError, match="does not look like a gc-us map"):
        domain_facts(tmp_path, [MapInput(path=MAP, version="gc-us")])
