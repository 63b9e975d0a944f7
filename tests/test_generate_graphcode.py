"""Code contexts from the graph (issue 16's facts) on the ingested fixture tree: the default
provider when the graph holds source text; the target's body as the graph has it, callbacks
labelled passed-not-called, the draw assigned at run time named so, and the code in the
prompt the real anthropic client sends (against the local stub)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generate.code.graph import GRAPH, GraphCode
from generate.context import ContextBuilder, Queries
from generate.ledger import read_jsonl
from generate.llm.anthropic_client import AnthropicClient
from generate.llm.pricing import price_for
from generate.models import Target
from generate.plan import RunConfig
from generate.run import Runner, RunOptions
from generate.run_parts import code_provider
from kg import code
from kg.settings import Settings
from kg.store import GraphStore, open_store
from tests.anthropic_stub import Stub
from validate.api import Validator

MINI = Path(__file__).resolve().parent / "fixtures" / "minidecomp"
DOOR = "src/overlays/actors/ovl_En_Door/z_en_door.c"
DBG = "gc-eu-mq-dbg"
MODEL = "claude-sonnet-5-5"


@pytest.fixture(scope="module")
def settings(minidecomp_code_graph: Settings) -> Settings:
    return minidecomp_code_graph


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[GraphStore]:
    st = open_store(settings)
    yield st
    st.close()


def _builder(store: GraphStore) -> ContextBuilder:
    q = Queries(store)
    provider = code_provider(store, q, None)
    return ContextBuilder(store, code=provider, max_tokens=4000)


def _file_lines(path: str, first: int, last: int) -> str:
    return "\n".join((MINI / path).read_text().split("\n")[first - 1 : last])


def test_the_graph_is_the_default_provider_and_the_body_is_the_graphs(store) -> None:
    b = _builder(store)
    assert isinstance(b.provider, GraphCode)
    ctx = b.build(Target(kind="Function", key="EnDoor_Update"), DBG)
    assert ctx.code_provenance == GRAPH
    own = next(s for s in ctx.code if s.role == "own")
    src = code.source(store, "EnDoor_Update")[0]
    assert own.provenance == GRAPH and own.text == src.text.rstrip("\n")
    assert (own.file, own.first) == (DOOR, src.start_line)
    assert own.text == _file_lines(DOOR, own.first, own.last)  # verbatim at file:line
    assert "Collider_UpdateCylinder" in [c["name"] for c in own.data["calls"]]
    # its #if block, with the versions of each branch from the graph's VersionBlocks
    blk = next(s for s in ctx.code if s.role == "ifblock")
    assert blk.text.startswith("#if OOT_VERSION < PAL_1_0")
    assert [br["versions"] for br in blk.data["branches"]][0] == ["ntsc-1.0"]
    assert "gc-eu-mq-dbg" in blk.data["branches"][1]["versions"]


def test_callbacks_are_passed_not_called_and_the_run_time_update_is_named(store) -> None:
    ctx = _builder(store).build(Target(kind="Actor", key="ACTOR_EN_DOOR"), DBG)
    cb = next(s for s in ctx.code if s.entity == "EnDoor_OverrideLimbDraw")
    assert cb.role == "callback"
    assert cb.data["passed_to"] == "SkelAnime_DrawOpa" and cb.data["param"] == "overrideLimbDraw"
    assert "EnDoor_Draw does not" in cb.note and "calls it" in cb.note
    # the callee is not said to call it: many keep the pointer for the engine to call later
    assert "SkelAnime_DrawOpa calls it" not in cb.note
    assert cb.text.startswith("s32 EnDoor_OverrideLimbDraw(")
    # EnDoor_Open (an action function set at run time) stores the update the door runs
    # once open (Actor.update; the fixture's Actor has no draw member, Actor.draw takes the
    # same path); the context of EnDoor_Open says so
    octx = _builder(store).build(Target(kind="Function", key="EnDoor_Open"), DBG)
    upd = next(s for s in octx.code if s.entity == "EnDoor_UpdateOpened")
    assert upd.role == "assigned" and upd.data["field"] == "Actor.update"
    assert upd.data["stored_in"] == "this->actor.update" and upd.data["stored_at"] == 77
    assert upd.note.startswith("the update this actor runs once EnDoor_Open sets it")
    # the action functions the actor's code stores, with the setter they go through
    act = next(s for s in ctx.code if s.entity == "EnDoor_Idle")
    assert act.role == "assigned" and act.data["via"] == "EnDoor_SetupAction"
    # the render a model reads carries the labels
    text = "\n".join(s.render() for s in ctx.code)
    assert "callback: EnDoor_Draw passes it to SkelAnime_DrawOpa" in text


def test_patterns_with_a_real_excerpt(store) -> None:
    ctx = _builder(store).build(Target(kind="Actor", key="ACTOR_EN_DOOR"), DBG)
    pats = [s for s in ctx.code if s.role == "pattern"]
    assert [p.data["pattern"] for p in pats] == ["cylinder-collider"]
    p = pats[0]
    assert p.text == _file_lines(p.file, p.first, p.last)
    assert p.data["actor"] != "ACTOR_EN_DOOR"  # another actor's way of doing it


def test_the_anthropic_prompt_holds_the_graphs_code(settings, tmp_path) -> None:
    config = RunConfig(
        version=DBG,
        count=2,
        seed=3,
        families=["qa"],
        families_explicit=True,
        generator="anthropic",
        model=MODEL,
        max_tokens=512,
        targets_query="MATCH (f:Function) WHERE f.name = 'EnDoor_Update' RETURN f.name AS target",
    )
    with Stub() as stub, open_store(settings) as store:
        client = AnthropicClient(MODEL, price_for(MODEL), api_key="sk-test-key", base_url=stub.url, backoff=0.001)
        try:
            Runner(
                store,
                config,
                client,
                RunOptions(out=tmp_path / "a.jsonl", concurrency=1),
                Validator(store, settings, compile=False),
            ).run()
        finally:
            client.close()
        body = stub.requests[0]
    prompt = (
        "\n".join(str(b.get("text", "")) for b in body["system"])
        + "\n"
        + "\n".join(str(m["content"]) for m in body["messages"])
    )
    assert "CollisionCheck_SetOC(play, &this->collider);" in prompt
    assert f"{DOOR}:" in prompt and "(graph" in prompt
    rows = list(read_jsonl(tmp_path / "a.jsonl"))
    assert rows and all(r.get("code_provenance", GRAPH) in (GRAPH, "") for r in rows)


def test_patterns_and_similar_actors_from_the_follows_table_match_the_queries(store: GraphStore) -> None:
    """The provider answers ``patterns_of`` and ``similar_actors`` from one FOLLOWS table per
    run: the same rows as the named queries, for every way a name can be written."""
    provider = GraphCode(store, Queries(store))
    actors = store.run("MATCH (a:Actor) RETURN a.enum AS enum, a.debug_name AS debug, a.overlay AS overlay")
    names = {"En_Door", "en_door", "EnGirlA_InitCollider", "NoSuchActor"}
    for a in actors:
        names |= {a["enum"], a["debug"] or "", a["overlay"] or "", (a["overlay"] or "").removeprefix("ovl_")}
    names |= {r["n"] for r in store.run("MATCH (f:Function)-[:FOLLOWS]->(:Pattern) RETURN f.name AS n")}
    names.discard("")
    cols = ("pattern", "support", "complete", "missing", "role", "description")

    def rows(rs: list[dict]) -> list[tuple]:
        return sorted(tuple(str(r[c]) for c in cols) for r in rs)

    followed = 0
    for name in sorted(names):
        want = code.patterns_of(store, name)
        followed += bool(want)
        assert rows(provider._follows_of(name)) == rows(want), name
        similar = [{**r, "patterns": sorted(r["patterns"])} for r in code.similar_actors(store, name, limit=5)]
        assert provider.similar(name, limit=5) == similar, name
    assert followed >= 3  # the fixture's actors and functions do follow patterns


def test_a_function_stored_through_a_setter_is_shown_stored_whatever_the_scan_order(store) -> None:
    """A function handed to a setter (``EnDoor_SetupAction(this, EnDoor_Idle)``) has both an
    ASSIGNS edge (stored in ``actionFunc`` through the setter) and a PASSES edge to the
    setter at the same line. The context shows it stored, never as a callback the setter
    calls, however the store happens to order the rows of its wiring query."""

    class Reversed:  # the same rows in the other scan order
        def __init__(self, inner: GraphStore) -> None:
            self.inner = inner

        def run(self, query: str, params: dict | None = None) -> list[dict]:
            return list(reversed(self.inner.run(query, params)))

        def __getattr__(self, name: str):  # noqa: ANN204
            return getattr(self.inner, name)

    for st in (store, Reversed(store)):
        wires = GraphCode(st, Queries(st)).wiring_of("EnDoor_Init")
        idle = [w["how"] for w in wires if w["function"] == "EnDoor_Idle"]
        assert idle == ["assigns", "passes"]
        b = ContextBuilder(st, code=GraphCode(st, Queries(st)), max_tokens=4000)
        ctx = b.build(Target(kind="Actor", key="ACTOR_EN_DOOR"), DBG)
        assert [s.role for s in ctx.code if s.entity == "EnDoor_Idle"] == ["assigned"]


def test_who_runs_a_stored_function_is_said_only_when_the_code_shows_it(store) -> None:
    """``EnDoor_Init`` stores ``EnDoor_Idle`` in ``EnDoor.actionFunc``: the context names the
    function of that file that calls ``this->actionFunc(...)`` with ``this`` an ``EnDoor``
    (the update), and the offline text says so; a field nothing in the file calls through
    (or a bare member name of another struct) gets no caller."""
    from types import SimpleNamespace

    from generate.offline.wiring import _runs_it

    provider = GraphCode(store, Queries(store))
    assert provider.calls_through(DOOR, "EnDoor.actionFunc") == ["EnDoor_Update"]
    assert provider.calls_through(DOOR, "GameState.actionFunc") == []  # `this` is no GameState
    assert provider.calls_through(DOOR, "EnDoor.draw") == []
    ctx = _builder(store).build(Target(kind="Actor", key="ACTOR_EN_DOOR"), DBG)
    idle = next(s for s in ctx.code if s.entity == "EnDoor_Idle")
    assert idle.data["called_by"] == ["EnDoor_Update"]
    said = _runs_it(SimpleNamespace(ctx=ctx), idle, "EnDoor.actionFunc")
    assert said == "the actor's update, `EnDoor_Update`, calls whatever that field holds."
    idle.data["called_by"] = []
    assert _runs_it(SimpleNamespace(ctx=ctx), idle, "EnDoor.actionFunc").startswith("whatever calls through")
