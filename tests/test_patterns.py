"""The pattern miner: what counts as a pattern, its support, counter-examples, step order,
names from patterns.yaml; the items an actor has on the fixture; and a C delta that changes a
pattern giving the graph a full rebuild gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.c.source import c_source
from ingest.checkout.checkout import Checkout
from ingest.context import IngestContext
from ingest.patterns import mine as patterns
from ingest.patterns.features import ActorItems, Occurrence, actor_items, plain_type
from tests.test_ingest_delta import _assert_same, _edit, _ingest, dump

MINI = Path(__file__).resolve().parent / "fixtures" / "minidecomp"
GIRL = "src/overlays/actors/ovl_En_GirlA/z_en_girla.c"


def _actor(name: str, items: list[tuple], versions: tuple[str, ...] = ("v1", "v2")) -> ActorItems:
    ai = ActorItems(name, "ACTORCAT_NPC", f"src/overlays/actors/ovl_{name}/z_{name}.c", versions)
    for line, it in enumerate(items, 1):
        ai.items[it] = Occurrence(
            f"{name}_{it[1] or 'data'}", ai.file, line * 10, line * 10, f"    {it[-1]}();", versions
        )
    return ai


INIT = ("call", "init", "Collider_InitCylinder")
DESTROY = ("call", "destroy", "Collider_DestroyCylinder")
DATA = ("data", "", "ColliderCylinderInit")
SFX = ("call", "update", "Actor_PlaySfx")
NOISE = ("call", "draw", "Gfx_Noise")


def _population() -> dict[str, ActorItems]:
    """12 actors with the collider (10 with its destroy), sfx in every one, and noise."""
    out = {}
    for i in range(12):
        items = [DATA, INIT, SFX] + ([DESTROY] if i < 10 else [])
        if i % 3 == 0:
            items.append(NOISE)
        out[f"A{i:02d}"] = _actor(f"A{i:02d}", items)
    for i in range(12, 30):  # others: sfx only, some noise
        out[f"B{i:02d}"] = _actor(f"B{i:02d}", [SFX] + ([NOISE] if i % 2 else []))
    return out


def test_a_pattern_is_what_goes_together_more_than_chance() -> None:
    pats = patterns.mine(_population(), patterns.MineConfig(min_support=10))
    assert len(pats) == 1
    p = pats[0]
    # data first, then init, then destroy; Actor_PlaySfx is everywhere (no association), the
    # noise goes with a third of them
    assert p.steps == [DATA, INIT, DESTROY]
    assert p.actors == [f"A{i:02d}" for i in range(10)]
    assert p.counter == {"A10": [DESTROY], "A11": [DESTROY]}
    assert p.version_support == {"v1": 10, "v2": 10}
    assert p.id == "init-collider-initcylinder"


def test_a_step_fewer_actors_have_than_the_minimum_is_left_out() -> None:
    pats = patterns.mine(_population(), patterns.MineConfig(min_support=11))
    assert [(p.steps, len(p.actors)) for p in pats] == [([DATA, INIT], 12)]
    assert patterns.mine(_population(), patterns.MineConfig(min_support=13)) == []
    assert patterns.support_for(429, patterns.MineConfig()) == 10
    assert patterns.support_for(6, patterns.MineConfig()) == 2


def test_one_function_in_two_roles_is_no_pattern() -> None:
    pop = {f"C{i}": _actor(f"C{i}", [("call", "init", "F"), ("call", "update", "F")]) for i in range(12)}
    assert patterns.mine(pop, patterns.MineConfig(min_support=10)) == []


def test_curated_names_name_mined_patterns_only() -> None:
    pats = patterns.mine(_population(), patterns.MineConfig(min_support=10))
    patterns.name_patterns(
        pats,
        [
            {
                "name": "cylinder-collider",
                "description": "A collider.",
                "has": ["call:init:Collider_InitCylinder", "call:destroy:Collider_DestroyCylinder"],
            },
            {"name": "never-mined", "has": ["call:init:Nothing"]},
        ],
    )
    assert [(p.id, p.curated, p.description) for p in pats] == [("cylinder-collider", True, "A collider.")]


def test_excerpts_rank_actors_whose_steps_sit_together() -> None:
    pop = _population()
    # A05's steps in one function, on adjacent lines: it comes first
    a5 = pop["A05"]
    for i, it in enumerate((DATA, INIT, DESTROY)):
        a5.items[it] = Occurrence("A05_Init", a5.file, 100 + i, 100 + i, f"line{i}", ("v1", "v2"))
    p = patterns.mine(pop, patterns.MineConfig(min_support=10))[0]
    assert p.excerpts[0]["actor"] == "A05"
    assert p.excerpts[0]["snippets"] == [
        {"symbol": "A05_Init", "file": a5.file, "line": 100, "end_line": 102, "text": "line0\nline1\nline2"}
    ]
    assert len(p.excerpts) == 3


def test_plain_type() -> None:
    assert plain_type("ColliderJntSphElementInit[2]") == "ColliderJntSphElementInit"
    assert plain_type("const InitChainEntry[4]") == "InitChainEntry"
    assert plain_type("Gfx *[3]") == "Gfx*"


def test_fixture_actor_items(tmp_path: Path) -> None:
    co = Checkout.open(MINI)
    ctx = IngestContext(checkout=co, versions=co.select(["gc-us", "ntsc-1.0"]), cache_dir=tmp_path, jobs=1)
    items = actor_items(c_source(ctx))
    door = items["ACTOR_EN_DOOR"]
    assert door.roles == {
        "init": ("EnDoor_Init",),
        "destroy": ("EnDoor_Destroy",),
        "update": ("EnDoor_Update", "EnDoor_UpdateOpened"),
        "draw": ("EnDoor_Draw",),
        "action": ("EnDoor_Idle", "EnDoor_Open"),
    }
    assert ("pass", "draw", "SkelAnime_DrawOpa", "overrideLimbDraw") in door.items
    assert ("assign", "init", "this.actionFunc") in door.items
    assert ("assign", "action", "Actor.update") in door.items
    assert ("data", "", "InitChainEntry") in door.items
    # a helper's call counts for the role that reaches it
    girl = items["ACTOR_EN_GIRLA"]
    occ = girl.items[("call", "init", "Collider_InitCylinder")]
    assert (occ.function, occ.file, occ.line) == ("EnGirlA_InitCollider", GIRL, 46)
    assert occ.text == "    Collider_InitCylinder(play, &this->collider);"
    assert set(occ.versions) == {"gc-us", "ntsc-1.0"}
    # the action's call to the SetupAction helper is not an engine call
    assert not any(i[0] == "call" and i[2] == "EnDoor_SetupAction" for i in door.items)


@pytest.fixture()
def env(mini_checkout: dict[str, Path]) -> dict[str, Path]:
    return mini_checkout


def test_a_delta_that_breaks_a_pattern_equals_a_full_rebuild(env: dict[str, Path]) -> None:
    first = _ingest(env["decomp"])
    assert first["counts"].get("Pattern") == 1
    src = env["decomp"] / GIRL
    # the shop item stops destroying its collider: a counter-example, the pattern loses support
    _edit(src, b"    Collider_DestroyCylinder(play, &this->collider);\n", b"")
    rep = _ingest(env["decomp"])
    assert rep["delta"] is not None and rep["delta"]["edited"] == [GIRL]
    after = dump(env["db"])
    full = _ingest(env["decomp"], "--force")
    _assert_same(after, dump(env["db"]))
    assert rep["counts"] == full["counts"]
    # and back: the pattern returns
    _edit(
        src,
        b"    EnGirlA* this = (EnGirlA*)thisx;\n\n}",
        b"    EnGirlA* this = (EnGirlA*)thisx;\n\n    Collider_DestroyCylinder(play, &this->collider);\n}",
    )
    rep = _ingest(env["decomp"])
    assert rep["delta"] is not None
    after = dump(env["db"])
    assert any(r[0] == "cylinder-collider" for r in after["Pattern"])
    _ingest(env["decomp"], "--force")
    _assert_same(after, dump(env["db"]))
