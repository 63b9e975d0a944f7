"""Families as data: scenario catalogues, the C scanner and version conditions behind the code
fallback, masking and splits, and the parser of the output format."""

from __future__ import annotations

import pytest

from generate.code.cscan import Source, assignments, calls, if_blocks
from generate.code.ppeval import Unknown, evaluate
from generate.dataset import split_of
from generate.families import FAMILIES
from generate.families.base import ParseError, parse_output, render_output
from generate.models import Message
from generate.quality import grams, jaccard, mask, shape
from generate.scenario import catalogue, domains, fill, personas

# Written for these tests in the decomp's style (not decomp code).
C_TEXT = """\
#include "z_en_test.h"

static ColliderCylinderInit sCylInit = {
    { COL_MATERIAL_NONE, AT_NONE, AC_ON },
    { 20, 40, 0, { 0, 0, 0 } },
};

void EnTest_Idle(EnTest* this, PlayState* play);

void EnTest_Init(Actor* thisx, PlayState* play) {
    EnTest* this = (EnTest*)thisx;
    const char* s = "not a { brace";

    Actor_SetScale(&this->actor, 0.01f); // a } in a comment
    this->actionFunc = EnTest_Idle;
#if OOT_VERSION >= PAL_1_0
    this->timer = 5;
#else
    this->timer = 6;
#endif
}

void EnTest_Idle(EnTest* this, PlayState* play) {
    Actor_PlaySfx(&this->actor, NA_SE_EN_TEST_CRY);
}
"""


def test_every_family_has_ten_scenarios_and_three_target_kinds():
    known_domains = set(domains())
    for name, fam in FAMILIES.items():
        cat = catalogue(name)
        assert len(cat.scenarios) >= 10, name
        assert len(fam.target_kinds) >= 3, (name, fam.target_kinds)
        ids = [s.id for s in cat.scenarios]
        assert len(ids) == len(set(ids)), name
        for s in cat.scenarios:
            assert s.domain in known_domains, (name, s.id, s.domain)
            assert set(s.tasks) == {1, 2, 3, 4}, (name, s.id)
            assert s.ask and all(p == "any" or p in personas() for p in s.ask), (name, s.id)
            if s.recipe == "debug":
                assert s.clarify.get("q") and s.dead_end.get("try") and s.cause, s.id


def test_every_seed_domain_has_a_scenario():
    used = {s.domain for n in FAMILIES for s in catalogue(n).scenarios}
    assert set(domains()) - used == set()


def test_fill_skips_missing_slots():
    assert fill("play {sfx} in {name}", {"name": "EnTest", "sfx": "NA_SE_X"}) == "play NA_SE_X in EnTest"
    assert fill("{object} is missing", {"name": "EnTest"}) is None


def test_scanner_extents_ignore_braces_in_strings_and_comments():
    src = Source("z_en_test.c", C_TEXT)
    init = C_TEXT.split("\n").index("void EnTest_Init(Actor* thisx, PlayState* play) {") + 1
    first, last = src.function_extent(init)
    assert src.span(last, last) == "}" and src.span(first, first).startswith("void EnTest_Init")
    assert src.function_extent(init - 2) is None  # a prototype has no body
    data = C_TEXT.split("\n").index("static ColliderCylinderInit sCylInit = {") + 1
    assert src.span(*src.initializer_extent(data)).endswith("};")
    names = [c.name for c in calls(src, first, last)]
    assert names == ["Actor_SetScale"]
    assert calls(src, first, last)[0].args == ["&this->actor", "0.01f"]
    assert assignments(src, first, last) == [("this->actionFunc", "EnTest_Idle", init + 5)]
    (blk,) = if_blocks(src)
    assert [b.directive for b in blk.branches] == ["if", "else"]
    assert blk.branches[0].condition == "OOT_VERSION >= PAL_1_0"


def test_version_conditions_evaluate_or_refuse():
    macros = {"OOT_VERSION": 1, "PAL_1_0": 3, "NTSC_1_0": 1, "DEBUG_FEATURES": 0}
    assert evaluate("OOT_VERSION >= PAL_1_0", macros) == 0
    assert evaluate("OOT_VERSION == NTSC_1_0 && !DEBUG_FEATURES", macros) == 1
    assert evaluate("defined(DEBUG_FEATURES) || 0", macros) == 1
    with pytest.raises(Unknown):
        evaluate("SOME_OTHER_MACRO > 2", macros)


def test_masked_shapes_and_overlap():
    a = "How do I play NA_SE_EN_DODO_J_WALK from my code (gc-eu-mq-dbg)?"
    b = "How do I play NA_SE_SY_ERROR from my code (ntsc-1.0)?"
    assert shape(a) == shape(b)
    assert "0x" not in mask("at 0x8011A5D0 + 0x1C in src/code/z_sram.c:607")
    assert jaccard(grams(a), grams(b)) == 1.0
    assert jaccard(grams(a), grams("What is the layout of EnFu?")) < 0.2


def test_split_is_a_function_of_the_entity():
    assert split_of("Actor", "ACTOR_EN_FU") == split_of("Actor", "ACTOR_EN_FU")
    splits = {split_of("Function", f"Fn_{i}") for i in range(400)}
    assert splits == {"train", "validation", "test"}


def test_parse_roundtrip_and_errors():
    msgs = [Message(role="user", content="q?"), Message(role="assistant", content="a ```c\nx;\n```")]
    parsed = parse_output(render_output(msgs, ["sig:a", "field:b"]))
    assert parsed.messages == msgs and parsed.fact_ids == ["sig:a", "field:b"]
    for bad, why in [
        ("hello", "no <user>"),
        ("<assistant>a</assistant>", "start with"),
        ("<user>a</user><user>b</user><assistant>c</assistant>", "alternate"),
        ("<user>a</user>", "end with"),
        ("<user>a</user><assistant> </assistant>", "empty"),
    ]:
        with pytest.raises(ParseError, match=why):
            parse_output(bad)
