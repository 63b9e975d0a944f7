"""The curriculum: loader validation, prerequisite chains, facts, the built-in curriculum's
shape, and the two named queries on a real store against known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.concepts.model import COVERABLE_KINDS, CurriculumError
from ingest.concepts.source import (
    concept_facts,
    concept_stats,
    concepts_source,
    entity_keys,
    load_builtin,
    load_curriculum,
    prerequisite_chain,
)
from ingest.context import IngestContext
from kg.facts import Facts
from kg.queries import run_named
from kg.store import GraphStore

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "concepts"

# The fixture's known answers (see the diagram in tests/fixtures/concepts/core.yaml).
JNTSPH_CHAIN = [
    "actor-basics",
    "actor-lifecycle",
    "binary-angles",
    "display-lists",
    "actor-collision",
    "skeletons",
    "jntsph-colliders",
]
JNTSPH_DISTANCES = {
    "actor-basics": 4,
    "actor-lifecycle": 3,
    "binary-angles": 2,
    "display-lists": 2,
    "actor-collision": 1,
    "skeletons": 1,
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def _concept(cid: str, requires: str = "[]", covers: str = "[Function:Actor_Kill]", difficulty: int = 1) -> str:
    return (
        f"  - id: {cid}\n    title: Concept {cid}\n    difficulty: {difficulty}\n"
        f"    summary: A concept used to test the loader's validation.\n"
        f"    requires: {requires}\n    covers: {covers}\n"
    )


def _fixture_entities() -> Facts:
    """Entity nodes for the fixture curriculum; Collider_UpdateSpheres is deliberately absent."""
    f = Facts()
    f.node("Struct", name="Actor", file="include/actor.h", line=187, size=0x14C)
    f.node("Field", id="Actor.world", struct="Actor", name="world", offset=0x24, type="PosRot")
    f.rel("HAS_FIELD", "Actor", "Actor.world", position=9)
    f.node("Struct", name="ColliderCylinder", file="include/collision_check.h", line=212)
    f.node("Struct", name="SkelAnime", file="include/animation.h", line=300)
    for name, file in [
        ("Actor_Spawn", "src/code/z_actor.c"),
        ("Actor_Kill", "src/code/z_actor.c"),
        ("Collider_InitCylinder", "src/code/z_collision_check.c"),
        ("CollisionCheck_SetOC", "src/code/z_collision_check.c"),
        ("Math_SinS", "src/code/z_lib.c"),
        ("Gfx_SetupDL_25Opa", "src/code/z_rcp.c"),
        ("SkelAnime_InitFlex", "src/code/z_skelanime.c"),
    ]:
        f.node("Function", name=name, file=file, defined=True)
    f.node("Typedef", name="Gfx", underlying="union Gfx", file="include/ultra64/gbi.h")
    f.node("Define", name="gSPDisplayList", file="include/ultra64/gbi.h", line=1800)
    f.node("Actor", enum="ACTOR_EN_BOX", id=10, file="src/overlays/actors/ovl_En_Box/z_en_box.c")
    f.node("Object", enum="OBJECT_GAMEPLAY_KEEP", id=1)
    return f


# --- loading the fixture ---------------------------------------------------------------------


def test_fixture_loads_with_files_and_domains() -> None:
    cur = load_curriculum(FIXTURE)
    assert len(cur) == 7
    assert cur.files["actor-collision"] == "core.yaml"
    assert cur.files["skeletons"] == "rendering.yaml"
    # the file's domain is the default; a concept may override it
    assert cur.concepts["actor-basics"].domain == "actors"
    assert cur.concepts["skeletons"].domain == "animation"
    assert cur.roots() == ["actor-basics", "binary-angles"]


def test_prerequisite_chain_is_topological_and_ordered_by_distance() -> None:
    cur = load_curriculum(FIXTURE)
    assert cur.prerequisite_chain("jntsph-colliders") == JNTSPH_CHAIN
    assert cur.prerequisite_chain("actor-basics") == ["actor-basics"]
    assert cur.prerequisite_chain("actor-collision") == [
        "actor-basics",
        "actor-lifecycle",
        "binary-angles",
        "actor-collision",
    ]
    with pytest.raises(KeyError, match="no-such-concept"):
        cur.prerequisite_chain("no-such-concept")


def test_depth_and_complexity() -> None:
    cur = load_curriculum(FIXTURE)
    stats = cur.stats("jntsph-colliders")
    assert (stats.depth, stats.prerequisite_count) == (4, 6)
    # 3 (itself) + 1 + 1 + 1 + 2 + 2 + 2
    assert stats.complexity == 12
    assert cur.depth("binary-angles") == 0
    order = cur.learning_order()
    for c in cur:
        assert all(order.index(p) < order.index(c.id) for p in c.requires)


# --- bad input: every message names the file and the concept ---------------------------------


def test_cycle_is_reported_with_the_cycle(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "loop.yaml",
        "domain: actors\nconcepts:\n"
        + _concept("alpha", "[gamma]")
        + _concept("beta", "[alpha]")
        + _concept("gamma", "[beta]")
        + _concept("delta", "[alpha]"),
    )
    with pytest.raises(CurriculumError) as err:
        load_curriculum(tmp_path)
    msg = str(err.value)
    assert "loop.yaml" in msg
    cycle = msg.split("cycle: ", 1)[1].split(" (in", 1)[0].split(" requires ")
    assert cycle[0] == cycle[-1] and sorted(cycle[:-1]) == ["alpha", "beta", "gamma"]
    # each step is a real "requires" of the YAML, in the direction it is written
    requires = {("alpha", "gamma"), ("beta", "alpha"), ("gamma", "beta")}
    assert set(zip(cycle, cycle[1:], strict=False)) == requires


def test_self_prerequisite(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "domain: actors\nconcepts:\n" + _concept("alpha", "[alpha]"))
    with pytest.raises(CurriculumError, match=r"a\.yaml: concept alpha: requires itself"):
        load_curriculum(tmp_path)


def test_unknown_prerequisite(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "domain: actors\nconcepts:\n" + _concept("alpha", "[ghost-concept]"))
    with pytest.raises(CurriculumError, match=r"a\.yaml: concept alpha: unknown prerequisite 'ghost-concept'"):
        load_curriculum(tmp_path)


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "broken.yaml", "domain: actors\nconcepts:\n  - id: alpha\n    title: [oops\n")
    with pytest.raises(CurriculumError, match=r"broken\.yaml line \d+: not valid YAML"):
        load_curriculum(tmp_path)


def test_missing_fields_are_listed_per_concept(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "domain: actors\nconcepts:\n  - id: alpha\n    title: Alpha\n" + _concept("beta"))
    with pytest.raises(CurriculumError) as err:
        load_curriculum(tmp_path)
    assert "a.yaml: concept alpha:" in str(err.value)
    assert "difficulty: Field required" in str(err.value)
    assert "summary: Field required" in str(err.value)
    assert "beta" not in str(err.value)


def test_unknown_field_and_bad_values(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "a.yaml",
        "domain: actors\nconcepts:\n"
        + _concept("alpha", difficulty=5)
        + _concept("Bad_Id")
        + _concept("gamma", covers="[Macro:SOMETHING]")
        + _concept("delta", covers="[Actor_Kill]")
        + _concept("epsilon", covers="[Field:Actor]")
        + "  - id: zeta\n    title: Zeta\n    difficulty: 1\n    summary: A summary long enough.\n"
        "    level: 3\n",
    )
    with pytest.raises(CurriculumError) as err:
        load_curriculum(tmp_path)
    problems = err.value.problems
    assert len(problems) == 6
    text = "\n".join(problems)
    assert "concept alpha: difficulty: Input should be less than or equal to 4" in text
    assert "concept Bad_Id: id: String should match pattern" in text
    assert "concept gamma: covers: 'Macro:SOMETHING': unknown kind 'Macro'" in text
    assert "concept delta: covers: 'Actor_Kill' is not Kind:key" in text
    assert "concept epsilon: covers: 'Field:Actor': a Field key is Struct.member" in text
    assert "concept zeta: level: Extra inputs are not permitted" in text


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "domain: actors\nconcepts:\n" + _concept("alpha"))
    _write(tmp_path, "b.yaml", "domain: actors\nconcepts:\n" + _concept("alpha"))
    with pytest.raises(CurriculumError, match=r"b\.yaml: concept alpha: duplicate id \(also defined in a\.yaml\)"):
        load_curriculum(tmp_path)


def test_not_a_curriculum(tmp_path: Path) -> None:
    with pytest.raises(CurriculumError, match="no \\*.yaml concept files"):
        load_curriculum(tmp_path)
    with pytest.raises(CurriculumError, match="not a directory"):
        load_curriculum(tmp_path / "missing")
    _write(tmp_path, "a.yaml", "- just\n- a list\n")
    with pytest.raises(CurriculumError, match="a.yaml: expected a mapping with a 'concepts' list"):
        load_curriculum(tmp_path)


# --- facts and entity checks -----------------------------------------------------------------


def test_facts_have_concepts_requires_and_typed_covers() -> None:
    cur = load_curriculum(FIXTURE)
    facts, report = concept_facts(cur, None, strict=True)
    assert report.concepts == 7 and report.requires == 8 and report.covers == 17
    assert facts.nodes["Concept"]["skeletons"]["domain"] == "animation"
    covers = {(r["from"], r["to_kind"], r["to"], r["kind"]) for r in facts.rel_rows("COVERS")}
    assert ("actor-basics", "Field", "Actor.world", "Field") in covers
    assert ("display-lists", "Object", "OBJECT_GAMEPLAY_KEEP", "Object") in covers
    requires = {(r["from"], r["to"]) for r in facts.rel_rows("REQUIRES")}
    assert ("jntsph-colliders", "skeletons") in requires  # concept -> its prerequisite


def test_user_curriculum_with_unknown_entities_is_an_error_listing_each() -> None:
    cur = load_curriculum(FIXTURE)
    known = entity_keys(_fixture_entities())
    known.discard(("Function", "Math_SinS"))
    with pytest.raises(CurriculumError) as err:
        concept_facts(cur, known, strict=True)
    msg = str(err.value)
    assert "2 covered entities are not in the graph" in msg
    assert "jntsph-colliders (rendering.yaml): Function:Collider_UpdateSpheres" in msg
    assert "binary-angles (rendering.yaml): Function:Math_SinS" in msg


def test_builtin_style_drop_reports_what_was_dropped() -> None:
    cur = load_curriculum(FIXTURE)
    facts, report = concept_facts(cur, entity_keys(_fixture_entities()), strict=False)
    assert report.dropped == ["jntsph-colliders (rendering.yaml): Function:Collider_UpdateSpheres"]
    assert report.covers == 16
    assert not [r for r in facts.rel_rows("COVERS") if r["to"] == "Collider_UpdateSpheres"]


def test_a_curriculum_names_a_static_global_by_its_name(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "boot.yaml",
        """
concepts:
  - id: boot-state
    title: The boot state
    domain: engine
    difficulty: 1
    summary: The boot code keeps its state in one file-local variable.
    covers: [Global:sBootState, Global:sSpeed, Global:gSaveContext]
""",
    )
    g = Facts()
    g.node("Global", id="gSaveContext", name="gSaveContext")
    g.node("Global", id="src/boot/boot_main.c:sBootState", name="sBootState", static=True)
    for f in ("src/a.c", "src/b.c"):  # two files' statics of one name: the concept covers both
        g.node("Global", id=f"{f}:sSpeed", name="sSpeed", static=True)
    facts, report = concept_facts(load_curriculum(tmp_path), entity_keys(g), strict=True)
    assert {r["to"] for r in facts.rel_rows("COVERS")} == {
        "gSaveContext",
        "src/boot/boot_main.c:sBootState",
        "src/a.c:sSpeed",
        "src/b.c:sSpeed",
    }
    assert report.covers == 4 and not report.dropped


def test_pipeline_source_strict_for_user_dir_lenient_for_builtin(tmp_path: Path) -> None:
    entities = _fixture_entities()
    ctx = IngestContext(
        checkout=None,
        versions=[],
        cache_dir=tmp_path,  # type: ignore[arg-type]
        facts=entities,
        concepts_dir=FIXTURE,
    )
    with pytest.raises(CurriculumError, match="Collider_UpdateSpheres"):
        concepts_source(ctx)
    ctx.concepts_dir = None
    facts = concepts_source(ctx)
    assert len(facts.nodes["Concept"]) == len(load_builtin())
    kept = {(r["to_kind"], r["to"]) for r in facts.rel_rows("COVERS")}
    assert kept and kept <= entity_keys(entities)
    assert "covered entities not in this checkout (dropped)" in ctx.notes["concepts"]


# --- the built-in curriculum -----------------------------------------------------------------

DOMAINS = {
    "actors",
    "collision",
    "animation",
    "graphics",
    "textures",
    "lighting",
    "camera",
    "audio",
    "save-data",
    "scenes",
    "build",
    "versions",
    "memory",
    "performance",
    "debugging",
    "randomizer",
    "c-edge-cases",
    "engine",
    "math",
}


def test_builtin_curriculum_shape() -> None:
    cur = load_builtin()
    assert len(cur) >= 80
    assert set(cur.domains()) == DOMAINS
    assert {c.difficulty for c in cur} == {1, 2, 3, 4}
    for c in cur:
        assert c.covers, f"{c.id} covers nothing"
        assert {r.kind for r in c.refs()} <= set(COVERABLE_KINDS)
        sentences = [s for s in c.summary.replace("e.g.", "eg").split(". ") if s.strip()]
        assert 1 <= len(sentences) <= 3, f"{c.id}: {len(sentences)} sentences"


def test_builtin_prerequisites_are_never_harder() -> None:
    cur = load_builtin()
    harder = [
        f"{c.id} ({c.difficulty}) requires {p} ({cur.concepts[p].difficulty})"
        for c in cur
        for p in c.requires
        if cur.concepts[p].difficulty > c.difficulty
    ]
    assert not harder, harder


def test_builtin_chain_for_actor_collision() -> None:
    chain = prerequisite_chain("actor-collision")
    assert chain == load_builtin().prerequisite_chain("actor-collision")
    assert concept_stats("actor-collision").prerequisite_count == len(chain) - 1
    assert chain[-1] == "actor-collision"
    assert chain.index("actor-basics") < chain.index("actor-lifecycle") < chain.index("collision-overview")


# --- the named queries on a store ------------------------------------------------------------


@pytest.fixture
def concept_graph(writable: GraphStore) -> GraphStore:
    facts = _fixture_entities()
    cfacts, _ = concept_facts(load_curriculum(FIXTURE), entity_keys(facts), strict=False)
    writable.replace_graph(facts.merge(cfacts))
    return writable


def test_prerequisites_query_order(concept_graph: GraphStore) -> None:
    rows = run_named(concept_graph, "prerequisites", concept="jntsph-colliders")
    assert [r["id"] for r in rows] == JNTSPH_CHAIN[:-1]
    assert {r["id"]: r["distance"] for r in rows} == JNTSPH_DISTANCES
    assert rows[0] == {
        "id": "actor-basics",
        "title": "What an actor is",
        "domain": "actors",
        "difficulty": 1,
        "distance": 4,
    }
    chain = load_curriculum(FIXTURE).prerequisite_chain
    for cid in ("actor-collision", "skeletons", "display-lists"):
        got = [r["id"] for r in run_named(concept_graph, "prerequisites", concept=cid)]
        assert got == chain(cid)[:-1]
    assert run_named(concept_graph, "prerequisites", concept="binary-angles") == []
    assert run_named(concept_graph, "prerequisites", concept="no-such-concept") == []


def test_concept_entities_query(concept_graph: GraphStore) -> None:
    rows = run_named(concept_graph, "concept_entities", concept="display-lists")
    assert rows == [
        {"kind": "Define", "name": "gSPDisplayList", "file": "include/ultra64/gbi.h"},
        {"kind": "Function", "name": "Gfx_SetupDL_25Opa", "file": "src/code/z_rcp.c"},
        {"kind": "Object", "name": "OBJECT_GAMEPLAY_KEEP", "file": None},
        {"kind": "Typedef", "name": "Gfx", "file": "include/ultra64/gbi.h"},
    ]
    basics = run_named(concept_graph, "concept_entities", concept="actor-basics")
    assert [(r["kind"], r["name"]) for r in basics] == [
        ("Actor", "ACTOR_EN_BOX"),
        ("Field", "Actor.world"),
        ("Struct", "Actor"),
    ]
    only = run_named(concept_graph, "concept_entities", concept="actor-collision", kind="Function")
    assert [r["name"] for r in only] == ["Collider_InitCylinder", "CollisionCheck_SetOC"]
    # the COVERS edge to an entity missing from the graph was dropped, not left dangling
    assert [r["name"] for r in run_named(concept_graph, "concept_entities", concept="jntsph-colliders")] == [
        "SkelAnime"
    ]
