"""Shared fixtures: stores (embedded always; Neo4j when one is reachable) and small graphs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.facts import Facts
from kg.settings import Settings
from kg.store import GraphStore, open_store

REPO = Path(__file__).resolve().parent.parent
# No test reads or writes the developer's review home (set before any Settings is made).
os.environ["OOTKG_REVIEW_DIR"] = tempfile.mkdtemp(prefix="ootkg-test-review-home-")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = REPO.parent / "shared" / "oot-data"


@pytest.fixture(scope="session")
def symbols_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The symbol lists ootkg ships, written out as a ``--symbols`` directory (the decomp's
    ``<version>/functions.txt`` lists and z64hdr's ``z64hdr-<rom>/sym_*.ld``)."""
    from ingest.domain.symbols.pack import export_lists

    out = tmp_path_factory.mktemp("symbols")
    export_lists(out)
    return out


def _neo4j_settings() -> Settings | str:
    """Settings for a reachable Neo4j, or the reason there is none."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        return Settings(
            store="neo4j",
            neo4j_uri=uri,
            neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
            neo4j_password=os.environ.get("NEO4J_PASSWORD", "ootkg-dev-password"),
        )
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception as e:  # noqa: BLE001 - any failure means "no engine here"
        return f"no Neo4j: NEO4J_URI is unset and no Docker engine answers ({e.__class__.__name__})"
    return "docker"


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Settings]:
    found = _neo4j_settings()
    if isinstance(found, str) and found != "docker":
        pytest.skip(found)
    if isinstance(found, Settings):
        yield found
        return
    from testcontainers.neo4j import Neo4jContainer

    with Neo4jContainer("neo4j:5-community", password="ootkg-dev-password") as container:
        yield Settings(
            store="neo4j",
            neo4j_uri=container.get_connection_url(),
            neo4j_user="neo4j",
            neo4j_password="ootkg-dev-password",
        )


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return Settings(db=tmp_path / "graph", cache_dir=tmp_path / "cache")
    settings: Settings = request.getfixturevalue("neo4j_settings")
    with open_store(settings, read_only=False) as store:
        store.run("MATCH (n) DETACH DELETE n")
    return settings


@pytest.fixture
def writable(store_settings: Settings) -> Iterator[GraphStore]:
    with open_store(store_settings, read_only=False) as store:
        store.schema_setup()
        yield store


def call_graph_facts() -> Facts:
    """A small, hand-made call graph with known answers.

    Versions ntsc-1.0 (ordinal 1) and gc-eu-mq-dbg (ordinal 11). Calls:
    EnHorse_Update -> EnHorse_Move -> Actor_UpdatePos; EnHorse_Update -> Actor_Kill;
    EnBom_Update -> Actor_Kill; Play_Main -> Actor_UpdateAll -> EnHorse_Update;
    Debug_Recurse -> Debug_Recurse (recursion) -> Actor_Kill.
    """
    f = Facts()
    f.node("Version", id="ntsc-1.0", name="NTSC_1_0", ordinal=1, platform="N64", debug=False)
    f.node("Version", id="gc-eu-mq-dbg", name="GC_EU_MQ_DBG", ordinal=11, platform="GC", debug=True, is_default=True)
    funcs = {
        "Actor_Kill": ("void Actor_Kill(Actor* actor)", "src/code/z_actor.c", 1234),
        "Actor_UpdatePos": ("void Actor_UpdatePos(Actor* actor)", "src/code/z_actor.c", 900),
        "Actor_UpdateAll": (
            "void Actor_UpdateAll(PlayState* play, ActorContext* actorCtx)",
            "src/code/z_actor.c",
            2400,
        ),
        "EnHorse_Move": (
            "void EnHorse_Move(EnHorse* this, PlayState* play)",
            "src/overlays/actors/ovl_En_Horse/z_en_horse.c",
            300,
        ),
        "EnHorse_Update": (
            "void EnHorse_Update(Actor* thisx, PlayState* play2)",
            "src/overlays/actors/ovl_En_Horse/z_en_horse.c",
            3500,
        ),
        "EnBom_Update": (
            "void EnBom_Update(Actor* thisx, PlayState* play2)",
            "src/overlays/actors/ovl_En_Bom/z_en_bom.c",
            240,
        ),
        "Play_Main": ("void Play_Main(GameState* thisx)", "src/code/z_play.c", 1700),
        "Debug_Recurse": ("void Debug_Recurse(s32 n)", "src/code/z_debug.c", 10),
    }
    for name, (sig, file, line) in funcs.items():
        f.node("Function", name=name, signature=sig, file=file, line=line, static=False, defined=True)
        f.rel("IN_VERSION", name, "gc-eu-mq-dbg", from_kind="Function", signature=sig, file=file, line=line)
        if name != "Debug_Recurse":
            f.rel("IN_VERSION", name, "ntsc-1.0", from_kind="Function", signature=sig, file=file, line=line)
    for a, b, n in [
        ("EnHorse_Update", "EnHorse_Move", 2),
        ("EnHorse_Move", "Actor_UpdatePos", 1),
        ("EnHorse_Update", "Actor_Kill", 1),
        ("EnBom_Update", "Actor_Kill", 3),
        ("Play_Main", "Actor_UpdateAll", 1),
        ("Actor_UpdateAll", "EnHorse_Update", 1),
        ("Debug_Recurse", "Debug_Recurse", 1),
        ("Debug_Recurse", "Actor_Kill", 1),
    ]:
        f.rel(
            "CALLS", a, b, count=n, versions=["gc-eu-mq-dbg"] if a == "Debug_Recurse" else ["ntsc-1.0", "gc-eu-mq-dbg"]
        )
    return f


@pytest.fixture()
def mini_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A writable copy of the minidecomp fixture, with the graph and the cache in tmp_path
    (via OOTKG_DB / OOTKG_CACHE_DIR, as the CLI reads them)."""
    import shutil

    decomp = tmp_path / "oot"
    shutil.copytree(FIXTURES / "minidecomp", decomp)
    monkeypatch.setenv("OOTKG_DB", str(tmp_path / "graph"))
    monkeypatch.setenv("OOTKG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OOTKG_DECOMP", raising=False)
    return {"decomp": decomp, "db": tmp_path / "graph", "cache": tmp_path / "cache"}


@pytest.fixture(autouse=True)
def _review_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's review home (reviewers, runs, calibration)."""
    monkeypatch.setenv("OOTKG_REVIEW_DIR", str(tmp_path_factory.mktemp("review-home")))


@pytest.fixture
def serve() -> Iterator:
    """Start `ootkg review serve` processes (tests.review_support.Server); all are killed at
    teardown, a failing test's included."""
    from tests.review_support import Server

    started: list = []

    def start(*args: object, **kwargs: object) -> Server:
        server = Server(*args, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


@pytest.fixture(scope="session")
def minidecomp_code_graph(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The fixture tree ingested with its C facts, patterns and tables, once per session (the
    code queries and the graph code provider read it; neither writes to it)."""
    from ingest.checkout.checkout import Checkout
    from ingest.pipeline import run_ingest
    from kg.store import open_store

    tmp = tmp_path_factory.mktemp("codegraph")
    s = Settings(db=tmp / "graph", cache_dir=tmp / "cache")
    co = Checkout.open(Path(__file__).resolve().parent / "fixtures" / "minidecomp")
    report, _ = run_ingest(
        co,
        co.versions(),
        s.cache_dir,
        lambda: open_store(s, read_only=False),
        only_sources=["c", "patterns", "tables"],
        jobs=1,
    )
    assert not report.partial
    return s
