"""The code queries (source, version_blocks, wiring, uses, patterns, pattern, pattern_steps,
actors_with_pattern, pattern_versions, function_versions) and ``kg.code`` on the fixture graph,
against known answers; ``ootkg patterns`` and ``ootkg query`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import code
from kg.queries import run_named
from kg.settings import Settings
from kg.store import GraphStore, open_store
from ootkg.cli import app

MINI = Path(__file__).resolve().parent / "fixtures" / "minidecomp"
DOOR = "src/overlays/actors/ovl_En_Door/z_en_door.c"
GIRL = "src/overlays/actors/ovl_En_GirlA/z_en_girla.c"


@pytest.fixture(scope="module")
def settings(minidecomp_code_graph: Settings) -> Settings:
    return minidecomp_code_graph


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[GraphStore]:
    st = open_store(settings)
    yield st
    st.close()


def test_source_as_written_and_as_a_version_compiles_it(store: GraphStore) -> None:
    written = code.source(store, "Actor_Update")[0]
    assert (written.kind, written.file, written.start_line, written.end_line) == (
        "Function",
        "src/code/z_actor.c",
        22,
        34,
    )
    assert written.text.count("#if") == 2 and written.version is None
    assert [(b.line, b.versions) for b in written.blocks] == [
        (23, ["ntsc-1.0"]),
        (25, ["gc-eu-mq-dbg", "gc-us", "pal-1.0"]),
        (31, ["gc-eu-mq-dbg"]),
    ]
    ntsc = code.source(store, "Actor_Update", version="ntsc-1.0")[0].text
    assert ntsc == (
        "void Actor_Update(Actor* actor, PlayState* play) {\n"
        "    Actor_UpdatePos(actor);\n"
        "    if (actor->update != NULL) {\n"
        "        actor->update(actor, play);\n"
        "    }\n}"
    )
    dbg = code.source(store, "Actor_Update", version="gc-eu-mq-dbg")[0].text
    assert "sqrtf(2.0f)" in dbg and "debugCounter++" in dbg and "#" not in dbg
    # another definition in another version: that version's own text
    assert (
        code.source(store, "Actor_UpdatePos", version="ntsc-1.0")[0].text
        == "void Actor_UpdatePos(Actor* actor) {\n    actor->pos.x += 1.0f;\n}"
    )
    # declared there, not defined: no text
    assert code.source(store, "EnTest_Draw", version="gc-us") == []
    assert code.source(store, "EnTest_Draw", version="gc-eu-mq-dbg")[0].text.startswith("void EnTest_Draw(")


def test_source_of_statics_structs_and_a_profile(store: GraphStore) -> None:
    inits = code.source(store, "sCylinderInit")
    assert sorted(s.file for s in inits) == sorted(
        [DOOR, GIRL, "src/overlays/actors/ovl_En_Horse_Normal/z_en_horse_normal.c"]
    )
    door = code.source(store, "sCylinderInit", file=DOOR)
    assert len(door) == 1 and door[0].name == f"{DOOR}:sCylinderInit"
    assert door[0].text.startswith("static ColliderCylinderInit sCylinderInit = {")
    flags = code.source(store, "ColliderFlags")[0]
    assert flags.kind == "Struct" and flags.text.endswith("} ColliderFlags; // size = 0x4")
    # the profile's initializer as ntsc-1.0 compiles it: the #else branch's NULL draw
    prof = code.source(store, "En_Test_Profile", version="ntsc-1.0")[0].text
    assert "/**/ NULL," in prof and "EnTest_Draw" not in prof and "#if" not in prof


def test_version_blocks_query(store: GraphStore) -> None:
    rows = run_named(store, "version_blocks", file="src/code/z_actor.c")
    got = [(r["line"], r["last_line"], r["directive"], sorted(r["versions"])) for r in rows]
    assert got[:2] == [
        (12, 15, "#if OOT_VERSION < PAL_1_0", ["ntsc-1.0"]),
        (16, 19, "#else", ["gc-eu-mq-dbg", "gc-us", "pal-1.0"]),
    ]
    assert (36, 39, "#if PLATFORM_N64", ["ntsc-1.0", "pal-1.0"]) in got


def test_wiring_of_an_actor(store: GraphStore) -> None:
    wires = code.wiring(store, "En_Door")
    got = [(w.kind, w.slot, w.function, w.set_by, w.via) for w in wires]
    assert got == [
        ("profile", "init", "EnDoor_Init", "ACTOR_EN_DOOR", ""),
        ("profile", "destroy", "EnDoor_Destroy", "ACTOR_EN_DOOR", ""),
        ("profile", "update", "EnDoor_Update", "ACTOR_EN_DOOR", ""),
        ("profile", "draw", "EnDoor_Draw", "ACTOR_EN_DOOR", ""),
        ("runtime", "Actor.update", "EnDoor_UpdateOpened", "EnDoor_Open", ""),
        ("field", "EnDoor.actionFunc", "EnDoor_Idle", "EnDoor_Init", "EnDoor_SetupAction"),
        ("field", "EnDoor.actionFunc", "EnDoor_Open", "EnDoor_Idle", "EnDoor_SetupAction"),
        ("callback", "overrideLimbDraw", "EnDoor_OverrideLimbDraw", "EnDoor_Draw", "SkelAnime_DrawOpa"),
    ]
    assert wires[4].at == "z_en_door.c:77"
    assert code.wiring(store, "ACTOR_EN_DOOR") == wires == code.wiring(store, "ovl_En_Door")


def test_uses_tells_a_callback_from_a_function_to_call(store: GraphStore) -> None:
    cb = code.uses(store, "EnDoor_OverrideLimbDraw")
    assert cb.is_callback and cb.passed == ["EnDoor_Draw -> SkelAnime_DrawOpa overrideLimbDraw"]
    action = code.uses(store, "EnDoor_Idle")
    assert action.is_callback and action.stored == ["EnDoor_Init -> EnDoor.actionFunc"]
    assert code.uses(store, "EnDoor_Draw").profile == ["ACTOR_EN_DOOR draw"]
    kill = code.uses(store, "Actor_Kill")
    assert not kill.is_callback and sorted(kill.called_by) == ["DebugMenu_Draw", "EnTest_Destroy"]


def test_pattern_queries(store: GraphStore) -> None:
    assert [r["id"] for r in code.patterns(store)] == ["cylinder-collider"]
    p = code.pattern(store, "cylinder-collider")
    assert p is not None and p.support == 2 and p.actors == ["ACTOR_EN_DOOR", "ACTOR_EN_GIRLA"]
    assert p.steps[0] == "static ColliderCylinderInit with an initializer"
    assert p.steps[-1] == "destroy: calls Collider_DestroyCylinder"
    assert p.counter_examples == ["ACTOR_EN_HORSE_NORMAL (missing: destroy: calls Collider_DestroyCylinder)"]
    assert p.version_support == {"gc-eu-mq-dbg": 2, "gc-us": 2, "ntsc-1.0": 2, "pal-1.0": 2}
    steps = run_named(store, "pattern_steps", name="cylinder-collider")
    assert [(r["position"], r["kind"], r["target"]) for r in steps] == [
        (0, "data", "ColliderCylinderInit"),
        (1, "call", "Collider_InitCylinder"),
        (2, "call", "Collider_SetCylinder"),
        (3, "call", "Collider_UpdateCylinder"),
        (4, "call", "CollisionCheck_SetOC"),
        (5, "call", "Collider_DestroyCylinder"),
    ]
    rows = code.actors_with_pattern(store, "cylinder-collider", complete=False)
    assert [(r["actor"], r["complete"]) for r in rows] == [
        ("ACTOR_EN_DOOR", True),
        ("ACTOR_EN_GIRLA", True),
        ("ACTOR_EN_HORSE_NORMAL", False),
    ]
    npc = code.actors_with_pattern(store, "cylinder-collider", category="ACTORCAT_NPC")
    assert [r["actor"] for r in npc] == ["ACTOR_EN_GIRLA"]
    follows = {
        r["f"]
        for r in store.run("MATCH (f:Function)-[:FOLLOWS]->(p:Pattern {id: 'cylinder-collider'}) RETURN f.name AS f")
    }
    assert {"EnDoor_Init", "EnGirlA_InitCollider", "EnGirlA_Destroy"} <= follows


def test_excerpts_are_verbatim_at_their_lines(store: GraphStore) -> None:
    p = code.pattern(store, "cylinder-collider")
    assert p is not None and len(p.excerpts) == 2
    for ex in p.excerpts:
        for sn in ex.snippets:
            lines = (MINI / sn.file).read_text().split("\n")
            assert sn.text == "\n".join(lines[sn.line - 1 : sn.end_line]), (ex.actor, sn)
    girl = p.excerpts[0]  # its steps sit closest together
    assert girl.actor == "ACTOR_EN_GIRLA"
    assert [(s.symbol, s.line) for s in girl.snippets] == [
        (f"{GIRL}:sCylinderInit", 37),
        ("EnGirlA_InitCollider", 46),
        ("EnGirlA_Destroy", 60),
        ("EnGirlA_Update", 66),
    ]


def test_compatibility_matrices(store: GraphStore) -> None:
    c = code.compat(store, pattern_id="cylinder-collider")
    assert c.steps[0] == "Collider_InitCylinder" and len(c.steps) == 5
    assert set(c.compatible) == {"ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"}
    f = code.compat(store, function="Actor_UpdatePos")
    assert f.cells["Actor_UpdatePos"]["ntsc-1.0"] == "other: void Actor_UpdatePos(Actor * actor)"
    assert set(f.compatible) == {"pal-1.0", "gc-us", "gc-eu-mq-dbg"}
    assert code.compat(store, function="Cart_Init").compatible == ["ntsc-1.0", "pal-1.0"]


def test_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OOTKG_DB", str(settings.db))
    r = CliRunner().invoke(app, ["patterns", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert [p["id"] for p in json.loads(r.output)] == ["cylinder-collider"]
    r = CliRunner().invoke(app, ["query", "source", "name=Actor_Update", "version=ntsc-1.0", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert "Actor_UpdatePos(actor);" in json.loads(r.output)[0]["text"]
    r = CliRunner().invoke(app, ["query", "pattern_versions", "name=cylinder-collider", "-f", "json"])
    assert json.loads(r.output)[-1] == {
        "step": "(every step)",
        "ntsc-1.0": "yes",
        "pal-1.0": "yes",
        "gc-us": "yes",
        "gc-eu-mq-dbg": "yes",
    }


def test_patterns_of_an_actor_or_a_function_and_similar_actors(store: GraphStore) -> None:
    door = run_named(store, "patterns_of", name="En_Door")
    assert [(r["pattern"], r["complete"], r["missing"]) for r in door] == [("cylinder-collider", True, [])]
    horse = run_named(store, "patterns_of", name="ACTOR_EN_HORSE_NORMAL")
    assert [(r["pattern"], r["complete"], r["missing"]) for r in horse] == [
        ("cylinder-collider", False, ["destroy: calls Collider_DestroyCylinder"])
    ]
    fn = run_named(store, "patterns_of", name="EnGirlA_InitCollider")
    assert [(r["pattern"], r["role"]) for r in fn] == [("cylinder-collider", "init")]
    similar = run_named(store, "similar_actors", name="En_Door")
    assert [(r["actor"], r["same_category"], r["shared"], r["patterns"]) for r in similar] == [
        ("ACTOR_EN_GIRLA", False, 1, ["cylinder-collider"])
    ]
    assert code.patterns_of(store, "En_Door")[0]["pattern"] == "cylinder-collider"
    assert code.similar_actors(store, "En_Door")[0]["actor"] == "ACTOR_EN_GIRLA"


def test_code_queries_check_the_names_they_are_given(store: GraphStore) -> None:
    """The code queries' name, file, pattern and version parameters are looked up before the
    query runs: a misspelt one is an UnknownNameError with the close names, a right one (in
    any spelling the query takes) passes, and a wildcard default is not looked up."""
    from kg.queries import QueryCatalog, UnknownNameError

    catalog = QueryCatalog(getattr(store, "kind", "embedded"))

    def problems(query: str, **params: object) -> list[tuple[str, list[str]]]:
        q = catalog.get(query)
        with pytest.raises(UnknownNameError) as e:
            q.check_names(store, q.bind(params))
        return [(p.param, p.suggestions) for p in e.value.problems]

    def checked(query: str, **params: object) -> list[str]:
        q = catalog.get(query)
        return q.check_names(store, q.bind(params))

    assert problems("source", name="Actor_Updat", version="ntsc-1.1") == [
        ("name", ["Actor_Update", "Actor_UpdatePos"]),
        ("version", ["ntsc-1.0"]),
    ]
    assert checked("source", name="sCylinderInit") == ["name=sCylinderInit"]  # a static's name
    assert checked("source", name="sCylinderInit", file=DOOR) == ["name=sCylinderInit", f"file={DOOR}"]
    assert checked("source", name="ColliderFlags") == ["name=ColliderFlags"]  # a struct
    assert problems("version_blocks", file="src/code/z_actr.c")[0][1][0] == "src/code/z_actor.c"
    assert checked("version_blocks", file="include/versions.h") == ["file=include/versions.h"]
    for query in ("pattern", "pattern_steps", "pattern_versions", "actors_with_pattern"):
        assert problems(query, name="cylinder-colider") == [("name", ["cylinder-collider"])]
    assert problems("actors_with_pattern", name="cylinder-collider", category="ACTORCAT_NCP")[0][1][0] == "ACTORCAT_NPC"
    assert checked("actors_with_pattern", name="cylinder-collider") == ["name=cylinder-collider"]  # category=*: any
    for query in ("wiring", "similar_actors"):
        assert problems(query, name="En_Dor")[0][1][0] == "En_Door"
        assert checked(query, name="ovl_En_Door") == ["name=ovl_En_Door"]
    assert checked("patterns_of", name="En_Door") == ["name=En_Door"]
    assert checked("patterns_of", name="EnGirlA_InitCollider") == ["name=EnGirlA_InitCollider"]
    assert problems("patterns_of", name="EnGirlA_InitColider")[0][1][0] == "EnGirlA_InitCollider"
    for query in ("uses", "function_versions"):
        assert problems(query, name="EnDoor_Idel")[0][1][0] == "EnDoor_Idle"


def _ootkg(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """ootkg as a user runs it (its entry point turns a user error into exit 2)."""
    env = {**os.environ, "OOTKG_DB": str(db), "OOTKG_CACHE_DIR": str(db.parent / "cache"), "COLUMNS": "200"}
    env.pop("OOTKG_SYMBOLS_DIR", None)
    return subprocess.run([sys.executable, "-m", "ootkg", *args], capture_output=True, text=True, env=env, timeout=300)


def test_a_misspelt_name_in_a_code_query_is_a_user_error(settings: Settings) -> None:
    proc = _ootkg(settings.db, "query", "wiring", "name=En_Dor")
    err = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "the graph has no actor named so" in err, proc.stderr
    assert "Did you mean En_Door" in err and "Traceback" not in err
    proc = _ootkg(settings.db, "query", "pattern", "name=cylinder-colider", "-f", "json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Did you mean cylinder-collider?" in " ".join(proc.stderr.split())


def test_a_linker_symbols_address_is_found_by_the_address_queries(tmp_path: Path) -> None:
    """A linker symbol is its own kind (not a Global); a list that gives its address locates
    it, and `symbol`, `address_of` and `symbol_addresses` find it by name."""
    lists = tmp_path / "symbols" / "gc-us"
    lists.mkdir(parents=True)
    (lists / "variables.txt").write_text("_codeSegmentStart = 0x800110A0; // type:u8\n")
    db = tmp_path / "graph"
    proc = _ootkg(
        db,
        "ingest",
        "--decomp",
        str(MINI),
        "--versions",
        "gc-us",
        "--only",
        "c,addresses",
        "--symbols",
        str(tmp_path / "symbols"),
        "--jobs",
        "1",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def query(*args: str) -> list[dict]:
        proc = _ootkg(db, "query", *args, "-f", "json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    got = query("address_of", "name=_codeSegmentStart")
    assert [(x["kind"], x["version"], x["address"], x["source"]) for x in got] == [
        ("LinkerSymbol", "gc-us", "0x800110A0", "disasm")
    ]
    got = query("symbol_addresses", "name=_codeSegmentStart")
    assert [(x["version"], x["address"]) for x in got] == [("gc-us", 0x800110A0)]
    got = query("symbol", "name=_codeSegmentStart")
    assert [(x["kind"], x["version"], x["file"]) for x in got] == [
        ("LinkerSymbol", "gc-us", "include/segment_symbols.h")
    ]
    proc = _ootkg(db, "query", "address_of", "name=_codeSegmentStrat")
    assert proc.returncode == 2
    assert "Did you mean _codeSegmentStart" in " ".join(proc.stderr.split()), proc.stderr


def test_the_validator_reads_run_time_wiring_from_the_graph(store: GraphStore, settings: Settings) -> None:
    """With 16's wiring facts, "actionFunc is set to Y" is checked against ASSIGNS/PASSES: the
    function set is the one after "set to", not one the clause named before the slot."""
    from validate.api import Validator
    from validate.models import Example

    v = Validator(store, settings, compile=False)

    def codes(text: str) -> set[str]:
        ex = Example(id="w", messages=[{"role": "user", "content": "?"}, {"role": "assistant", "content": text}])
        return {i.code for i in v.validate(ex, "gc-eu-mq-dbg").errors()}

    try:
        assert codes("If EnDoor_SetupAction is called, actionFunc is set to EnDoor_Open.") == set()
        assert codes("Once EnDoor_Idle is done, actionFunc is set to EnDoor_SetupAction.") == {"wrong-wiring"}
    finally:
        v.close()
