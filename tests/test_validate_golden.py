"""The validator against the golden suite and its building blocks (embedded store, real libclang)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.settings import Settings
from tests.golden.cases import CORRECT, MUTATIONS, planted, score
from tests.golden.graph import load_store
from validate.api import UnknownVersion, Validator
from validate.clex import tokenize
from validate.extract import extract, split_message
from validate.models import Example
from validate.sandbox import check_include, gate, needs_wrap, prepare


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = load_store(tmp_path_factory.mktemp("golden"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def validator(store):
    v = Validator(store, Settings(), compile=False)
    yield v
    v.close()


def test_golden_suite_recall_and_false_alarms(validator):
    res = score(validator)
    assert res["false_alarms"] == {}, res["bad_examples"]
    planted_codes = {m.code for m in MUTATIONS if not m.needs_compile}
    assert set(res["recall"]) == planted_codes  # every mutation applied to some example
    for code, (hit, total) in res["recall"].items():
        assert hit / total >= 0.98, (code, [m for m in res["misses"] if m[0] == code])


def test_every_issue_code_has_plants():
    codes = {c for c, _ in planted(include_compile=True)}
    for needed in (
        "unknown-function",
        "wrong-arity",
        "wrong-arg-type",
        "unknown-field",
        "unknown-actor",
        "wrong-actor-id",
        "wrong-address",
        "wrong-offset",
        "wrong-size",
        "not-in-version",
        "compile-error",
        "missing-object-dependency",
        "double-literal",
        "forbidden-include",
    ):
        assert needed in codes


def test_report_shape_and_suggestions(validator):
    r = validator.validate_code("Actor_SetScal(&this->actor, 0.01f);\nthis->actor.wrld.pos.x = 1.0f;", "gc-us")
    by_code = {i.code: i for i in r.issues}
    assert by_code["unknown-function"].suggestions[:1] == ["Actor_SetScale"]
    assert by_code["unknown-function"].line == 1
    assert by_code["unknown-field"].suggestions == ["world"]
    assert by_code["unknown-field"].line == 2
    assert not r.ok and r.level_reached == 0
    assert r.levels[1] == "skipped" and any("level 1 skipped" in n for n in r.notes)
    assert r.checked.functions == 1 and r.checked.code_blocks == 1


def test_not_in_version_names_the_versions(validator):
    r = validator.validate_code("void* p = ZeldaArena_MallocDebug(4, __FILE__, __LINE__);", "ntsc-1.0")
    issue = next(i for i in r.issues if i.code == "not-in-version")
    assert "gc-eu-mq-dbg" in issue.message and issue.symbol == "ZeldaArena_MallocDebug"
    ok = validator.validate_code("void* p = ZeldaArena_MallocDebug(4, __FILE__, __LINE__);", "gc-eu-mq-dbg")
    assert "not-in-version" not in ok.codes()


def test_version_facts_differ(validator):
    ex = Example(
        id="s", messages=[{"role": "assistant", "content": "Actor is 0x14C bytes."}], metadata={"version": "gc-us"}
    )
    assert "wrong-size" in validator.validate(ex).codes()
    assert validator.validate(ex, "gc-eu-mq-dbg").ok


def test_prose_only_example_checks_claims_without_compiling(validator):
    r = validator.validate(CORRECT[2])
    assert r.ok and r.levels[1] == "not-applicable" and r.level_reached == 4
    assert r.checked.ids >= 2 and r.checked.code_blocks == 0


def test_unknown_version(validator):
    with pytest.raises(UnknownVersion, match="gc-us"):
        validator.validate_code("Actor_Kill(thisx);", "pal-9.9")


def test_only_assistant_code_is_held_to_the_facts():
    ex = Example(
        id="d",
        messages=[
            {"role": "user", "content": "Why does this fail?\n```c\nActor_Kil(thisx);\n```"},
            {"role": "assistant", "content": "Text\n\n```c\nActor_Kill(thisx);\n```\nmore\n```python\nx=1\n```"},
        ],
    )
    blocks, prose = extract(ex)
    assert [b.code for b in blocks] == ["Actor_Kill(thisx);\n"]
    assert blocks[0].message_index == 1 and blocks[0].start_line == 4
    assert "Text" in prose[0].text


def test_unlabelled_fence_with_c_is_code():
    blocks, _ = split_message("```\nvoid f(Actor* a) { Actor_Kill(a); }\n```", 0)
    assert len(blocks) == 1


@pytest.mark.parametrize(
    "path,bad",
    [
        ("/etc/passwd", True),
        ("../../etc/passwd", True),
        ("a/../../x.h", True),
        ("~/x.h", True),
        ("C:/x.h", True),
        ("z_en_horse.h", False),
        ("overlays/actors/ovl_En_Horse/z_en_horse.h", False),
        ("assets/objects/object_dog/object_dog.h", False),
        ("a/../b.h", False),
    ],
)
def test_include_paths(path, bad):
    assert (check_include(path) is not None) == bad


def test_hostile_include_forms_are_blanked():
    code = (
        '#include "/etc/passwd"\n#inc\\\nlude "../../x"\n#define P "/etc/shadow"\n#include P\n'
        '%:include </etc/group>\n#pragma GCC dependency "/etc/passwd"\nint x;\n'
    )
    g = gate(code)
    assert g.text is not None and len(g.problems) == 5
    assert "/etc/" not in g.text.replace('#define P "/etc/shadow"', "")
    assert g.text.count("\n") == code.count("\n")  # line numbers kept
    assert gate('#if __has_include("/etc/passwd")\n#endif\nint x;\n').text is None


def test_wrapping_and_line_map():
    assert needs_wrap(tokenize("Actor_Kill(&this->actor);"))
    assert needs_wrap(tokenize("if (x) {\n  y();\n}"))
    assert needs_wrap(tokenize("s32 slot = Object_GetSlot(&play->objectCtx, OBJECT_DOG);"))
    assert not needs_wrap(tokenize("void f(void) {\n  g();\n}"))
    assert not needs_wrap(tokenize("static s16 sTable[] = { 1, 2 };"))
    p = prepare('#include "z_en_horse.h"\nthis->actor.speed = 1.0f;\n', ["/*p*/"], "EnHorse")
    assert p.user_start == 1
    assert p.wrapped and "EnHorse* this = (EnHorse*)thisx;" in p.text
    tu_line = p.text.split("\n").index("this->actor.speed = 1.0f;")
    assert p.line_map[tu_line] == 2


@pytest.mark.decomp
def test_golden_suite_compiled_against_the_decomp(store, tmp_path):
    decomp = os.environ.get("OOT_DECOMP")
    if not decomp or not Path(decomp, "include").is_dir():
        pytest.skip("OOT_DECOMP does not point at a zeldaret/oot checkout")
    v = Validator(store, Settings(cache_dir=tmp_path / "cache"), compile=True, decomp=decomp)
    try:
        assert v.compiler is not None, v.compile_note
        res = score(v, include_compile=True)
        assert res["false_alarms"] == {}, res["bad_examples"]
        for code, (hit, total) in res["recall"].items():
            assert hit / total >= 0.98, (code, res["misses"])
        r = v.validate_code("Actor_Kill(&this->actor)\n", "gc-eu-mq-dbg")
        assert r.levels[1] == "failed" and r.issues[0].code == "compile-error"
        assert r.issues[0].line in (1, 2)
    finally:
        v.close()
