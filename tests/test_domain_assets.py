"""Asset XML: objects, scenes, rooms and assets per version (Version patterns, per-version
XML files from config.yml), malformed files reported and the rest kept."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ingest.domain.assets_xml import asset_facts, version_xmls
from tests.conftest import FIXTURES, SHARED_DATA

MINI = FIXTURES / "minidecomp"
VERSIONS = ["ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"]
OBJECTS = {"gameplay_keep": "OBJECT_GAMEPLAY_KEEP", "object_horse": "OBJECT_HORSE", "object_human": "OBJECT_HUMAN"}
SCENES = {"spot00_scene": "SCENE_HYRULE_FIELD", "ydan_scene": "SCENE_DEKU_TREE", "test01_scene": "SCENE_TEST01"}


@pytest.fixture(scope="module")
def mini():  # noqa: ANN201
    return asset_facts(
        MINI / "assets" / "xml",
        VERSIONS,
        default_version="gc-eu-mq-dbg",
        uses=version_xmls(MINI, VERSIONS),
        objects_by_segment=OBJECTS,
        scenes_by_segment=SCENES,
    )


def _in_version(facts, aid: str) -> dict[str, dict]:  # noqa: ANN001
    return {r["to"]: r for r in facts.rel_rows("IN_VERSION") if r["from"] == aid}


def test_object_assets_and_their_properties(mini) -> None:  # noqa: ANN001
    facts, report = mini
    assert report.problems == []
    assets = {r["to"] for r in facts.rel_rows("HAS_ASSET") if r["from"] == "OBJECT_HORSE"}
    assert len(assets) == 12
    skel = facts.nodes["Asset"]["object_horse/gEponaSkel"]
    assert (skel["kind"], skel["offset"], skel["count"]) == ("Skeleton", 0x9D74, 3)
    assert json.loads(skel["extra"]) == {"LimbType": "Skin", "Type": "Normal"}
    tex = facts.nodes["Asset"]["object_horse/gEponaEyeOpenTex"]
    assert (tex["format"], tex["width"], tex["height"], tex["offset"]) == ("ci8", 32, 16, 0x9F80)
    assert facts.nodes["Asset"]["object_horse/gEponaBlockCol"]["kind"] == "Collision"
    assert facts.nodes["Object"]["OBJECT_HORSE"]["segment_number"] == 6
    assert facts.nodes["Asset"]["object_horse/gEponaSkel"]["versions"] == VERSIONS


def test_version_patterns_and_offsets_that_follow_them(mini) -> None:  # noqa: ANN001
    facts, _ = mini
    nodes = facts.nodes["Asset"]
    assert nodes["gameplay_keep/gKeepNtscOnlyTex"]["versions"] == ["ntsc-1.0", "gc-us"]
    assert nodes["gameplay_keep/gameplay_keep_padding_470"]["versions"] == ["pal-1.0", "gc-eu-mq-dbg"]
    # No Offset: after the 8-byte PAL padding, or after the 64-byte NTSC texture.
    arrow = nodes["gameplay_keep/gKeepArrowTex"]
    assert arrow["offset"] == 0x478  # gc-eu-mq-dbg, the default version
    per_v = _in_version(facts, "gameplay_keep/gKeepArrowTex")
    assert {v: r["offset"] for v, r in per_v.items()} == {"ntsc-1.0": 0x4B0, "gc-us": 0x4B0}
    # An asset that is the same everywhere has no per-version edges.
    assert _in_version(facts, "gameplay_keep/gKeepRingDL") == {}


def test_scenes_rooms_and_per_version_xml_files(mini) -> None:  # noqa: ANN001
    facts, report = mini
    rooms = sorted((r["from"], r["to"], r["position"]) for r in facts.rel_rows("HAS_ROOM"))
    assert rooms == [
        ("SCENE_DEKU_TREE", "ydan_room_0", 0),
        ("SCENE_DEKU_TREE", "ydan_room_1", 1),
        ("SCENE_HYRULE_FIELD", "spot00_room_0", 0),
        ("SCENE_TEST01", "test01_room_0", 0),
    ]
    room_versions = {r["to"] for r in facts.rel_rows("IN_VERSION") if r["from"] == "test01_room_0"}
    assert room_versions == {"gc-eu-mq-dbg"}
    # PAL N64 uses spot00_pal_n64.xml, where the cutscene sits 0x20 later.
    cs = "spot00_scene/gHyruleFieldIntroCs"
    assert facts.nodes["Asset"][cs]["offset"] == 0x13AA0
    pal = _in_version(facts, cs)["pal-1.0"]
    assert (pal["offset"], pal["file"]) == (0x13AC0, "assets/xml/scenes/overworld/spot00_pal_n64.xml")
    owners = {r["from"] for r in facts.rel_rows("HAS_ASSET") if r["to"] == cs}
    assert owners == {"SCENE_HYRULE_FIELD"}
    room_assets = {r["to"] for r in facts.rel_rows("HAS_ASSET") if r["from"] == "spot00_room_0"}
    assert room_assets == {"spot00_room_0/spot00_room_0", "spot00_room_0/spot00_room_0DL_012B20"}
    assert report.rooms == 4


def test_malformed_xml_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    root = tmp_path / "xml"
    shutil.copytree(MINI / "assets" / "xml", root)
    (root / "objects" / "object_broken.xml").write_text(
        '<Root>\n    <File Name="object_broken" Segment="6">\n'
        '        <Texture Name="gBrokenTex" Format="rgba16"\n    </File>\n</Root>\n'
    )
    (root / "objects" / "object_noname.xml").write_text(
        '<Root><File Name="object_noname" Segment="6"><DList Offset="0x0"/>'
        '<DList Name="gGoodDL" Offset="0x10"/></File></Root>'
    )
    facts, report = asset_facts(
        root, VERSIONS, default_version="gc-eu-mq-dbg", objects_by_segment=OBJECTS, scenes_by_segment=SCENES
    )
    problems = {(p.file, p.line) for p in report.problems}
    assert ("assets/xml/objects/object_broken.xml", 4) in problems
    assert any(p.file.endswith("object_noname.xml") and "without Name" in p.message for p in report.problems)
    assert "object_horse/gEponaSkel" in facts.nodes["Asset"]
    assert "object_noname/gGoodDL" in facts.nodes["Asset"]
    assert not any(k.startswith("object_broken/") for k in facts.nodes["Asset"])


# the decomp's own asset XML: a checkout's (OOT_DECOMP), else the data folder beside the repo
REAL = Path(os.environ["OOT_DECOMP"]) if os.environ.get("OOT_DECOMP") else SHARED_DATA
REAL_XML = REAL / "assets" / "xml"


@pytest.mark.skipif(not REAL_XML.is_dir(), reason="needs the decomp's asset XML: set OOT_DECOMP to a checkout")
def test_real_asset_xml_files() -> None:
    versions = ["ntsc-1.0", "pal-1.0", "gc-us", "gc-eu-mq-dbg"]
    facts, report = asset_facts(
        REAL_XML,
        versions,
        default_version="gc-eu-mq-dbg",
        uses=version_xmls(REAL, versions),
        objects_by_segment={"object_horse": "OBJECT_HORSE", "object_fd": "OBJECT_FD"},
        scenes_by_segment={"spot00_scene": "SCENE_HYRULE_FIELD"},
    )
    assert report.problems == []
    assert report.asset_files == 610
    skel = facts.nodes["Asset"]["object_horse/gEponaSkel"]
    assert (skel["offset"], skel["count"]) == (0x9D74, 11)
    # The boss title card is 80 lines high in NTSC versions, 120 in PAL ones.
    card = "object_fd/gVolvagiaTitleCardTex"
    assert facts.nodes["Asset"][card]["height"] == 120
    assert json.loads(_in_version(facts, card)["gc-us"]["text"]) == {"Height": "80"}
    rooms = [r["to"] for r in facts.rel_rows("HAS_ROOM") if r["from"] == "SCENE_HYRULE_FIELD"]
    assert rooms == ["spot00_room_0"]
