"""The C ingest on a real decomp checkout (``OOT_DECOMP``): offsets against the source's own
``/* 0xNNN */`` comments, function counts, and clean parses. Default version plus the two
most different others (N64 1.0, iQue), to stay within a few minutes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.decomp

VERSIONS = ["gc-eu-mq-dbg", "ntsc-1.0", "ique-cn"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set")
    from ingest.c.source import c_source
    from ingest.checkout.checkout import Checkout
    from ingest.context import IngestContext

    co = Checkout.open(root)
    cache = Path(os.environ.get("OOTKG_TEST_CACHE") or tmp_path_factory.mktemp("cache"))
    ctx = IngestContext(checkout=co, versions=co.select(VERSIONS), cache_dir=cache, jobs=2)
    facts = c_source(ctx)
    return co, ctx, facts


def _edges(facts, kind: str, version: str) -> dict:  # noqa: ANN001
    return {r["from"]: r for r in facts.rel_rows("IN_VERSION") if r["from_kind"] == kind and r["to"] == version}


def test_actor_offsets_match_the_source_comments(run) -> None:  # noqa: ANN001
    co, _, facts = run
    text = (co.root / "include" / "actor.h").read_text()
    body = text[text.index("typedef struct Actor {") : text.index("} Actor;")]
    commented = {
        m.group(2): int(m.group(1), 16)
        for m in re.finditer(r"/\* (0x[0-9A-Fa-f]+) \*/ [^;]*?\**(\w+)(?:\[[^\]]*\])?;", body)
    }
    assert len(commented) > 50
    fields = _edges(facts, "Field", "gc-eu-mq-dbg")
    for name, offset in commented.items():
        assert fields[f"Actor.{name}"]["offset"] == offset, name
    structs = _edges(facts, "Struct", "gc-eu-mq-dbg")
    assert structs["Actor"]["size"] == 0x14C
    assert _edges(facts, "Struct", "ntsc-1.0")["Actor"]["size"] == 0x13C  # no dbgPad
    assert "Actor.dbgPad" not in _edges(facts, "Field", "ntsc-1.0")


def test_function_counts_and_profiles(run) -> None:  # noqa: ANN001
    _, ctx, facts = run
    per = {r["version"]: r for r in ctx.stats["per_version"]}
    assert 13_200 <= per["gc-eu-mq-dbg"]["functions"] <= 13_500
    assert 12_900 <= per["ntsc-1.0"]["functions"] <= 13_500
    horse = facts.nodes["Actor"]["ACTOR_EN_HORSE"]
    assert (horse["id"], horse["category"], horse["object"]) == (0x14, "ACTORCAT_BG", "OBJECT_HORSE")
    sizes = {v: _edges(facts, "Actor", v)["ACTOR_EN_HORSE"]["size"] for v in VERSIONS}
    assert sizes["gc-eu-mq-dbg"] == 0x3FC and sizes["ntsc-1.0"] < 0x3FC
    assert len([a for a in facts.nodes["Actor"].values() if a.get("category")]) >= 420
    calls = {(r["from"], r["to"]) for r in facts.rel_rows("CALLS")}
    assert ("EnHorse_Init", "Actor_SetScale") in calls


def test_no_libclang_errors(run) -> None:  # noqa: ANN001
    _, ctx, _ = run
    assert ctx.stats["failed_files"] == []
    for row in ctx.stats["per_version"]:
        assert row["errors"] == 0, row


def test_each_files_static_is_its_own_global(run) -> None:  # noqa: ANN001
    """``static InitChainEntry sInitChain[]`` in hundreds of actors: one node per file, with that
    file's definition site and type (the source's own text says which)."""
    co, _, facts = run
    chains = {k: g for k, g in facts.nodes["Global"].items() if g["name"] == "sInitChain"}
    files = {
        rel
        for rel in (str(p.relative_to(co.root)) for p in (co.root / "src").rglob("*.c"))
        if re.search(r"^static InitChainEntry sInitChain\[", (co.root / rel).read_text(errors="replace"), re.M)
    }
    assert len(files) > 200
    assert {g["file"] for g in chains.values()} >= files
    horse = chains["src/overlays/actors/ovl_En_Horse/z_en_horse.c:sInitChain"]
    assert horse["static"] is True and horse["type"].startswith("InitChainEntry[")
    defined = {(r["from"], r["to"]) for r in facts.rel_rows("DEFINED_IN") if r["from_kind"] == "Global"}
    assert all((k, g["file"]) in defined for k, g in chains.items() if g["defined"])


def test_files_linked_through_a_combined_object_are_in_the_graph(run) -> None:  # noqa: ANN001
    """z_message.c and z_game_over.c reach the spec only through the Makefile's combined
    object: their functions are defined there, in every version of the run."""
    _, _, facts = run
    for name, path in (("Message_GetState", "src/code/z_message.c"), ("GameOver_Init", "src/code/z_game_over.c")):
        fn = facts.nodes["Function"][name]
        assert (fn["defined"], fn["file"]) == (True, path), name
        for v in VERSIONS:
            edge = _edges(facts, "Function", v)[name]
            assert (edge["defined"], edge["file"]) == (True, path), (name, v)
    callers = {r["from"] for r in facts.rel_rows("CALLS") if r["to"] == "Message_GetState"}
    assert len(callers) > 200
    assert facts.nodes["File"]["src/code/z_message.c"]["segment"] == "code"


def test_the_audit_explains_every_file_it_lists(run) -> None:  # noqa: ANN001
    from ingest.checkout.spec import read_spec

    co, ctx, facts = run
    audit = ctx.stats["file_audit"]
    statuses = audit.by_status()
    assert "unexplained" not in statuses and "missing" not in statuses, audit.files
    assert all(f.reason for f in audit.files)
    # the .inc.c files are compiled as part of the files that include them
    inc = {f.path: f for f in audit.files if f.path.endswith(".inc.c")}
    assert inc and all(f.status == "included" for f in inc.values())
    assert "z_en_ru1.c" in inc["src/overlays/actors/ovl_En_Ru1/z_en_ru1_cutscene_data.inc.c"].reason
    gcc = next(f for f in audit.files if f.path == "src/gcc_fix/missing_gcc_functions.c")
    assert gcc.status == "not-built" and "COMPILER_GCC" in gcc.reason
    # every file no version of this run builds is listed, and no other
    every = {str(p.relative_to(co.root)) for p in (co.root / "src").rglob("*.c")}
    built = {t.path for v in ctx.versions for t in read_spec(co, v, ctx.cache_dir).tus}
    assert {f.path for f in audit.files} == every - built
    assert facts.nodes["File"]["src/gcc_fix/missing_gcc_functions.c"]["status"] == "not-built"


def test_function_counts_match_an_independent_count(run) -> None:  # noqa: ANN001
    """GNU cpp and a plain scan of its output, over the files each version's spec builds
    (found by cpp and the Makefile, not by ootkg), count the functions defined; ootkg's count
    is within 0.1% of it."""
    from ingest.c.env import CompileEnv
    from tests.decomp_count import MIPS, built_files, count_functions, cpp_flags

    co, ctx, _ = run
    per = {r["version"]: r["functions"] for r in ctx.stats["per_version"]}
    for v in VERSIONS:
        env = CompileEnv(co, v, ctx.cache_dir)
        files = built_files(co.root, MIPS + cpp_flags(env.args()))
        names = count_functions(co.root, files, {f: cpp_flags(env.args(f)) for f in files})
        print(f"{v}: {len(files)} files; ootkg {per[v]} functions, independent {len(names)}")
        assert abs(per[v] - len(names)) <= 0.001 * len(names), (v, per[v], len(names))
