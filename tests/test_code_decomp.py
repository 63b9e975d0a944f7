"""The code in the graph on a real decomp checkout (``OOT_DECOMP``), two versions ingested for
real: source text equal to the files' lines, patterns (>= 25 with >= 10 actors, excerpts
verbatim, support equal to a count made from the files' text alone), wiring, linker
symbols, bitfields and #if blocks."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg import code
from kg.settings import Settings
from kg.store import GraphStore, open_store

pytestmark = pytest.mark.decomp

VERSIONS = ["gc-eu-mq-dbg", "ntsc-1.0"]


@pytest.fixture(scope="module")
def root() -> Path:
    got = os.environ.get("OOT_DECOMP")
    if not got:
        pytest.skip("OOT_DECOMP is not set")
    return Path(got)


@pytest.fixture(scope="module")
def store(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    from ingest.checkout.checkout import Checkout
    from ingest.pipeline import run_ingest

    tmp = tmp_path_factory.mktemp("code-decomp")
    cache = Path(os.environ.get("OOTKG_TEST_CACHE") or tmp / "cache")
    s = Settings(db=tmp / "graph", cache_dir=cache)
    co = Checkout.open(root)
    report, _ = run_ingest(
        co,
        co.select(VERSIONS),
        cache,
        lambda: open_store(s, read_only=False),
        only_sources=["c", "patterns", "tables"],
        jobs=2,
    )
    assert not report.partial, report.failed_files[:5]
    st = open_store(s)
    yield st
    st.close()


def _file_lines(root: Path, rel: str) -> list[str]:
    return (root / rel).read_bytes().decode("utf-8", "replace").split("\n")


def test_source_of_a_sample_equals_the_files_lines(store: GraphStore, root: Path) -> None:
    rows = store.run(
        "MATCH (f:Function) WHERE f.source IS NOT NULL RETURN f.name AS name, "
        "f.file AS file, f.start_line AS a, f.end_line AS b, f.source AS text "
        "ORDER BY name"
    )
    assert len(rows) > 10000
    sample = rows[::40]  # ~300 functions spread over the tree
    for r in sample:
        lines = _file_lines(root, r["file"])
        assert r["text"] == "\n".join(lines[r["a"] - 1 : r["b"]]), r["name"]
    for kind, prop in (("Struct", "definition"), ("Global", "initializer")):
        got = store.run(
            f"MATCH (n:{kind}) WHERE n.{prop} IS NOT NULL RETURN n.file AS file, "
            f"n.start_line AS a, n.end_line AS b, n.{prop} AS text ORDER BY file, a"
        )
        for r in got[::25]:
            assert r["text"] == "\n".join(_file_lines(root, r["file"])[r["a"] - 1 : r["b"]])


def test_at_least_25_patterns_with_10_actors_and_verbatim_excerpts(store: GraphStore, root: Path) -> None:
    big = [p for p in code.patterns(store) if p["support"] >= 10]
    assert len(big) >= 25, [p["id"] for p in big]
    for row in big:
        p = code.pattern(store, row["id"])
        assert p is not None and p.excerpts and len(p.actors) == p.support
        for ex in p.excerpts:
            assert ex.actor in p.actors
            for sn in ex.snippets:
                lines = _file_lines(root, sn.file)
                assert sn.text == "\n".join(lines[sn.line - 1 : sn.end_line]), (p.id, sn)
    named = {p["id"] for p in big}
    assert {"cylinder-collider", "init-chain", "skelanime-flex-draw", "dynapoly-bg-actor"} <= named


# ---- an independent count: the actors' files read as text, no libclang, no miner ----------

_FUNC = re.compile(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{}]*\)\s*\{\s*$", re.M)
_PROFILE = re.compile(r"ActorProfile\s+\w+\s*=\s*\{(.*?)\};", re.S)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def _functions(text: str) -> dict[str, str]:
    """Function name -> body, for the decomp's style (a definition's closing brace alone at
    the start of a line)."""
    out = {}
    for m in _FUNC.finditer(text):
        end = text.find("\n}", m.end())
        if end >= 0:
            out.setdefault(m.group(1), text[m.end() : end])
    return out


def _reach(fns: dict[str, str], starts: set[str], depth: int = 3) -> set[str]:
    seen, frontier = set(starts), set(starts)
    for _ in range(depth):
        nxt = set()
        for f in frontier:
            for g in fns:
                if g not in seen and re.search(rf"\b{g}\s*\(", fns.get(f, "")):
                    nxt.add(g)
        seen |= nxt
        frontier = nxt
    return seen


def _calls(fns: dict[str, str], within: set[str], callee: str) -> bool:
    return any(re.search(rf"\b{callee}\s*\(", fns.get(f, "")) for f in within)


def _count_from_text(root: Path, overlays: list[str]) -> tuple[set[str], set[str]]:
    """(actors with a file-scope static InitChainEntry table whose init reaches
    Actor_ProcessInitChain; actors with a static ColliderCylinderInit whose init reaches
    Collider_InitCylinder and
    Collider_SetCylinder, whose update (profile's or stored in actor.update) reaches
    CollisionCheck_SetOC, and whose destroy reaches Collider_DestroyCylinder)."""
    chain, cylinder = set(), set()
    for ovl in overlays:
        d = root / "src/overlays/actors" / ovl
        if not d.is_dir():
            continue
        text = _COMMENT.sub(" ", "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(d.glob("*.c"))))
        prof = _PROFILE.search(text)
        if prof is None:
            continue
        entries = [e.strip() for e in _COMMENT.sub("", prof.group(1)).split(",")]
        if len(entries) < 9:
            continue
        fns = _functions(text)
        init, destroy, update = ({entries[5]}, {entries[6]}, {entries[7]})
        update |= set(re.findall(r"actor\.update\s*=\s*(\w+)\s*;", text))
        ri, rd, ru = _reach(fns, init), _reach(fns, destroy), _reach(fns, update)
        if re.search(r"^static\s+(const\s+)?InitChainEntry\s+\w+(\[[^\]]*\])*\s*=", text, re.M) and _calls(
            fns, ri, "Actor_ProcessInitChain"
        ):
            chain.add(ovl)
        if (
            re.search(r"^static\s+(const\s+)?ColliderCylinderInit\s+\w+(\[[^\]]*\])*\s*=", text, re.M)
            and _calls(fns, ri, "Collider_InitCylinder")
            and _calls(fns, ri, "Collider_SetCylinder")
            and _calls(fns, ru, "CollisionCheck_SetOC")
            and _calls(fns, rd, "Collider_DestroyCylinder")
        ):
            cylinder.add(ovl)
    return chain, cylinder


def test_pattern_support_equals_a_count_from_the_files_text(store: GraphStore, root: Path) -> None:
    overlays = {
        r["o"]: r["e"]
        for r in store.run(
            "MATCH (a:Actor) WHERE a.overlay IS NOT NULL AND a.file STARTS WITH "
            "'src/overlays/actors/' RETURN a.overlay AS o, a.enum AS e"
        )
    }
    chain, cylinder = _count_from_text(root, sorted(overlays))
    p = code.pattern(store, "init-chain")
    assert p is not None
    assert p.steps == ["static InitChainEntry with an initializer", "init: calls Actor_ProcessInitChain"]
    mine = set(overlays.values())  # (the miner sees the actors linked into code too)
    assert set(p.actors) & mine == {overlays[o] for o in chain}
    c = code.pattern(store, "cylinder-collider")
    assert c is not None
    assert set(c.steps) == {
        "static ColliderCylinderInit with an initializer",
        "init: calls Collider_InitCylinder",
        "init: calls Collider_SetCylinder",
        "update: calls CollisionCheck_SetOC",
        "destroy: calls Collider_DestroyCylinder",
    }
    assert set(c.actors) & mine == {overlays[o] for o in cylinder}
    assert len(chain) > 150 and len(cylinder) > 50


def test_wiring_on_the_decomp(store: GraphStore) -> None:
    zl4 = code.wiring(store, "En_Zl4")
    assert {w.slot for w in zl4 if w.kind == "profile"} == {"init", "destroy", "update", "draw"}
    setters = {(w.set_by, w.function) for w in zl4 if w.slot == "EnZl4.actionFunc"}
    assert {
        ("EnZl4_Init", "EnZl4_TheEnd"),
        ("EnZl4_Init", "EnZl4_Idle"),
        ("EnZl4_Init", "EnZl4_Cutscene"),
        ("EnZl4_Cutscene", "EnZl4_Idle"),
    } <= setters
    cbs = {(w.function, w.via, w.slot) for w in zl4 if w.kind == "callback"}
    assert ("EnZl4_OverrideLimbDraw", "SkelAnime_DrawFlexOpa", "overrideLimbDraw") in cbs
    assert code.uses(store, "EnZl4_OverrideLimbDraw").is_callback
    # the draw a ruin's scythe stores at run time
    sgami = code.wiring(store, "Bg_Haka_Sgami")
    assert any(w.kind == "runtime" and w.slot == "Actor.draw" and w.function == "BgHakaSgami_Draw" for w in sgami)


def test_linker_symbols_bitfields_and_blocks(store: GraphStore) -> None:
    assert store.run("MATCH (l:LinkerSymbol {name: 'Sequence_23_Size'}) RETURN l.type AS t") == [{"t": "u8[]"}]
    assert store.run("MATCH (g:Global {name: 'Sequence_23_Size'}) RETURN g.id AS id") == []
    pad = store.run(
        "MATCH (f:Field {id: 'Asavebuff.pad1'}) RETURN f.offset AS o, f.size AS s, f.bit_offset AS b, f.bit_width AS w"
    )
    assert pad == [{"o": 1, "s": None, "b": 8, "w": 24}]
    blocks = store.run(
        "MATCH (b:VersionBlock {file: 'src/code/z_actor.c'}) RETURN b.line AS l, "
        "b.condition AS c, b.directive AS d, b.versions AS v, b.block AS k"
    )
    debug = [b for b in blocks if b["d"] == "if" and b["c"] == "DEBUG_FEATURES"]
    assert debug and all(b["v"] == ["gc-eu-mq-dbg"] for b in debug)
    ntsc = [b for b in blocks if b["d"] == "if" and b["c"] == "OOT_NTSC"]
    assert ntsc and all(b["v"] == ["ntsc-1.0"] for b in ntsc)
    # as ntsc-1.0 compiles a function with such a block: no directive, no debug-only line
    fn = store.run(
        "MATCH (f:Function) WHERE f.file = 'src/code/z_actor.c' AND "
        "f.source CONTAINS '#if DEBUG_FEATURES' RETURN f.name AS n ORDER BY n LIMIT 1"
    )
    view = code.source(store, fn[0]["n"], version="ntsc-1.0")[0]
    assert "#if" not in view.text and "#endif" not in view.text
