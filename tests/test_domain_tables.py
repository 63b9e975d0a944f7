"""X-macro tables: per-version expansion through clang's preprocessor, ids from positions,
lines the parser does not understand reported with file:line."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ingest.domain.tables import (
    TABLES,
    ingest_tables,
    object_segment_to_enum,
    scan_table,
    sfx_id,
)
from tests.conftest import FIXTURES

MINI = FIXTURES / "minidecomp"
ACTORS = next(t for t in TABLES if t.kind == "Actor")


def _checkout(root: Path):  # noqa: ANN202 - ingest.checkout.checkout.Checkout
    from ingest.checkout.checkout import Checkout

    if not (root / "include" / "versions.h").is_file():
        pytest.skip("the fixture tree has no include/versions.h yet (written with its C files)")
    return Checkout.open(root)


def _versions(co) -> list[str]:  # noqa: ANN001
    return [v.id for v in co.versions()]


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    co = _checkout(MINI)
    facts, report = ingest_tables(co, _versions(co), tmp_path_factory.mktemp("cache"), "gc-eu-mq-dbg")
    return facts, report


def test_scan_reports_lines_it_does_not_understand() -> None:
    text = "\n".join(
        [
            "/* comment */",
            '/* 0x00 */ DEFINE_ACTOR(En_A, ACTOR_EN_A, ACTOROVL_ALLOC_NORMAL, "En_A")',
            "#if DEBUG_FEATURES",
            "/* 0x01 */ DEFINE_ACTOR_BOGUS(En_B, ACTOR_EN_B)",
            "#endif",
            "/* 0x02 */ DEFINE_ACTOR(En_C, ACTOR_EN_C, ACTOROVL_ALLOC_NORMAL)",
            "garbage here",
            "/* 0x03 */ DEFINE_ACTOR(En_D, ACTOR_EN_D, ACTOROVL_ALLOC_NORMAL,",
            '                        "En_D")',
            "",
        ]
    )
    bad, problems = scan_table(text, ACTORS, "include/tables/actor_table.h")
    assert bad == [4, 6, 7]
    assert [(p.line, p.file) for p in problems] == [
        (4, "include/tables/actor_table.h"),
        (6, "include/tables/actor_table.h"),
        (7, "include/tables/actor_table.h"),
    ]
    assert "unknown macro DEFINE_ACTOR_BOGUS" in problems[0].message
    assert "takes 4 arguments, this line has 3" in problems[1].message
    assert problems[2].text == "garbage here"


def test_sfx_ids_are_bank_base_plus_position() -> None:
    assert sfx_id("include/tables/sfx/playerbank_table.h", 0) == 0x800
    assert sfx_id("include/tables/sfx/enemybank_table.h", 0x145) == 0x3945
    assert sfx_id("include/tables/sfx/voicebank_table.h", 1) == 0x6801


def test_fixture_tables_ids_are_positions(mini) -> None:  # noqa: ANN001
    facts, report = mini
    assert report.problems == []
    assert report.entries == {
        "Actor": 23,
        "Object": 9,
        "Scene": 4,
        "Entrance": 8,
        "Sequence": 4,
        "Sfx": 10,
        "EffectSs": 3,
        "GameState": 4,
    }
    horse = facts.nodes["Actor"]["ACTOR_EN_HORSE"]
    assert horse == {
        "enum": "ACTOR_EN_HORSE",
        "id": 0x14,
        "overlay": "ovl_En_Horse",
        "alloc": "ACTOROVL_ALLOC_NORMAL",
        "debug_name": "En_Horse",
        "internal": False,
        "unset": False,
    }
    assert facts.nodes["Actor"]["ACTOR_PLAYER"]["internal"] is True
    assert facts.nodes["Actor"]["ACTOR_PLAYER"]["overlay"] is None
    assert facts.nodes["Actor"]["ACTOR_UNSET_13"] == {
        "enum": "ACTOR_UNSET_13",
        "id": 0x13,
        "unset": True,
        "internal": False,
    }
    assert facts.nodes["Object"]["OBJECT_HORSE"]["id"] == 8
    assert facts.nodes["Object"]["OBJECT_NY_UNUSED"]["empty"] is True
    assert facts.nodes["Object"]["OBJECT_INVALID"]["unset"] is True
    assert facts.nodes["Sfx"]["NA_SE_EN_AWA_BOUND"]["id"] == 0x3802
    assert facts.nodes["Sfx"]["NA_SE_IT_SWORD_IMPACT"]["bank"] == "item"
    ptr = facts.nodes["Sequence"]["NA_BGM_FIELD_LOGIC_ALIAS"]
    assert (ptr["id"], ptr["name"]) == (3, "Sequence_2")
    assert facts.nodes["GameState"]["GAMESTATE_MAP_SELECT"]["overlay"] == "ovl_select"
    ins = {(r["from"], r["to"]) for r in facts.rel_rows("IN_SEGMENT")}
    assert ("ACTOR_EN_HORSE", "ovl_En_Horse") in ins
    assert ("OBJECT_HORSE", "object_horse") in ins
    assert ("EFFECT_SS_DUST", "ovl_Effect_Ss_Dust") in ins


def _edges(facts, enum: str) -> dict[str, dict]:  # noqa: ANN001
    return {r["to"]: r for r in facts.rel_rows("IN_VERSION") if r["from"] == enum}


def test_conditional_entries_exist_only_in_their_versions(mini) -> None:  # noqa: ANN001
    facts, report = mini
    assert set(_edges(facts, "SCENE_TEST01")) == {"gc-eu-mq-dbg"}
    assert set(_edges(facts, "ENTR_TEST01_0")) == {"gc-eu-mq-dbg"}
    assert set(_edges(facts, "SCENE_HYRULE_FIELD")) == {"ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"}
    assert report.per_version["ntsc-1.0"]["Scene"] == 3
    assert report.per_version["gc-eu-mq-dbg"]["Scene"] == 4
    scene = _edges(facts, "SCENE_HYRULE_FIELD")["gc-us"]
    assert (scene["value"], scene["file"], scene["line"]) == (1, "include/tables/scene_table.h", 7)


def test_per_version_values_go_on_the_edge_not_the_node(mini) -> None:  # noqa: ANN001
    facts, _ = mini
    # Importance 0x30 everywhere but PAL N64 (0x34), from the #if/#else in the bank table.
    assert facts.nodes["Sfx"]["NA_SE_EN_BALINADE_BREAK2"]["importance"] == 0x30
    e = _edges(facts, "NA_SE_EN_BALINADE_BREAK2")
    assert json.loads(e["pal-1.0"]["text"]) == {"importance": 0x34}
    assert e["gc-us"]["text"] is None and e["ntsc-1.0"]["text"] is None
    assert e["pal-1.0"]["line"] == 8 and e["gc-us"]["line"] == 6
    # A macro argument is expanded before it is read: SEQ_0_FLAGS is per version.
    seq = _edges(facts, "NA_BGM_GENERAL_SFX")
    assert facts.nodes["Sequence"]["NA_BGM_GENERAL_SFX"]["flags"] == "SEQ_FLAG_FANFARE"
    assert json.loads(seq["pal-1.0"]["text"]) == {"flags": "SEQ_FLAG_FANFARE | SEQ_FLAG_ENEMY"}


def test_entrances_enter_their_scene(mini) -> None:  # noqa: ANN001
    facts, _ = mini
    enters = {r["from"]: (r["to"], r["spawn"]) for r in facts.rel_rows("ENTERS")}
    assert enters["ENTR_HYRULE_FIELD_1"] == ("SCENE_HYRULE_FIELD", 1)
    e = facts.nodes["Entrance"]["ENTR_HYRULE_FIELD_1"]
    assert (e["id"], e["continue_bgm"], e["title_card"], e["trans_in"]) == (4, True, False, "TRANS_TYPE_FADE_BLACK")


def test_a_bad_table_line_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    _checkout(MINI)
    root = tmp_path / "tree"
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("build", "extracted"))
    table = root / "include" / "tables" / "object_table.h"
    lines = table.read_text().splitlines()
    lines.insert(12, "/* 0x0003 */ DEFINE_OBJECT(gameplay_dangeon_keep OBJECT_BROKEN)")
    lines.insert(13, "this is not a table line")
    table.write_text("\n".join(lines) + "\n")
    co = _checkout(root)
    facts, report = ingest_tables(co, ["gc-us"], tmp_path / "cache", "gc-us")
    got = {(p.file, p.line) for p in report.problems}
    assert got == {("include/tables/object_table.h", 13), ("include/tables/object_table.h", 14)}
    # The other entries keep their positions: the broken lines are not entries.
    assert facts.nodes["Object"]["OBJECT_HORSE"]["id"] == 8
    assert len(facts.nodes["Object"]) == 9
    assert len(facts.nodes["Actor"]) == 23


def test_object_segment_to_enum_reads_the_object_table() -> None:
    m = object_segment_to_enum(MINI)
    assert m["object_horse"] == "OBJECT_HORSE"
    assert m["object_ny"] == "OBJECT_NY_UNUSED"
    assert "OBJECT_INVALID" not in m.values()


@pytest.mark.decomp
def test_real_decomp_tables(tmp_path: Path) -> None:
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set")
    co = _checkout(Path(root))
    versions = _versions(co)
    facts, report = ingest_tables(co, versions, tmp_path, "gc-eu-mq-dbg")
    assert report.problems == []
    assert report.entries["Actor"] == 471
    assert report.entries["Object"] == 402
    assert report.entries["Scene"] == 110
    assert report.entries["Entrance"] == 1556
    assert report.entries["Sequence"] == 110
    # 1,263 DEFINE_SFX lines, 4 of them the #else twins of #if lines: 1,259 sound effects.
    assert report.entries["Sfx"] == 1259
    assert facts.nodes["Actor"]["ACTOR_EN_HORSE"]["id"] == 0x14
    assert facts.nodes["Object"]["OBJECT_HORSE"]["id"] == 0x1A
    assert facts.nodes["Object"]["OBJECT_HORSE"]["segment"] == "object_horse"
    unset = sum(1 for a in facts.node_rows("Actor") if a["unset"])
    assert unset == 42
    assert report.per_version["ntsc-1.0"]["Scene"] == 101
    assert report.per_version["gc-eu-mq-dbg"]["Scene"] == 110


def test_an_entrance_to_a_scene_no_table_defines_is_reported(tmp_path: Path) -> None:
    _checkout(MINI)
    root = tmp_path / "tree"
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("build", "extracted"))
    table = root / "include" / "tables" / "entrance_table.h"
    table.write_text(
        table.read_text() + "/* 0x008 */ DEFINE_ENTRANCE(ENTR_UNUSED_6E, "
        "SCENE_UNUSED_6E, 0, false, true, TRANS_TYPE_FADE_BLACK, "
        "TRANS_TYPE_FADE_BLACK)\n"
    )
    facts, report = ingest_tables(_checkout(root), ["gc-us"], tmp_path / "cache", "gc-us")
    assert report.unknown_scenes == {"SCENE_UNUSED_6E": ["ENTR_UNUSED_6E"]}
    assert facts.nodes["Entrance"]["ENTR_UNUSED_6E"]["scene"] == "SCENE_UNUSED_6E"
