"""Property-based fuzzing of what the validator runs on user text: every check finishes
within a bound per input (Hypothesis' deadline), whatever the text. Inputs are built from
the pieces the patterns look for, repeated: that is where a backtracking pattern or a
rescan per match turns quadratic (the issue's 96 KB request took 44 s)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.settings import Settings
from tests.golden.graph import load_store
from validate.api import Validator
from validate.claims import ClaimChecker
from validate.models import Example

ATOMS = [
    " ",
    "  ",
    "\n",
    "\t",
    "`",
    "```",
    "```c\n",
    "~~~\n",
    "/*",
    "*/",
    "//",
    "/* 0x1 */",
    "0x24",
    "12",
    "0x8011A5D0",
    ".",
    ";",
    ",",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "->",
    "#",
    "##",
    "\\\n",
    "ACTOR_EN_HORSE",
    "OBJECT_HORSE",
    "ACTOR_ZZZ_",
    "gSaveContext",
    "Actor",
    "Actor.world",
    "world",
    "EnHorse",
    "this",
    "play",
    "is",
    "at",
    "offset",
    "in",
    "of",
    "size",
    "bytes",
    "sizeof(",
    "offsetof(",
    "address",
    "ntsc 1.0",
    "debug rom",
    "struct",
    "typedef",
    "=",
    "ActorProfile",
    "Object_GetSlot(",
    "Actor_Kill(",
    "#define X",
    "#include",
    "gHorseDL",
    "_",
    "A_B_C",
    "f32",
    "1.0",
    "'s",
    "has id",
    "lives at",
]

piece = st.sampled_from(ATOMS)
# a run of one piece (what backtracks), or a mixture, up to ~60 KB
text = st.one_of(
    st.tuples(piece, st.integers(1, 6000)).map(lambda t: t[0] * t[1]),
    st.lists(piece, max_size=4000).map("".join),
    st.tuples(st.lists(piece, max_size=30).map("".join), st.integers(1, 1500)).map(lambda t: t[0] * t[1]),
)


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    store = load_store(tmp_path_factory.mktemp("fuzz"))
    v = Validator(store, Settings(), compile=False)
    for ver in v.versions():
        v.index(ver)
    yield v
    store.close()


# OOTKG_FUZZ_EXAMPLES=500 for a longer campaign (the suite runs a short one)
_FUZZ = settings(
    max_examples=int(os.environ.get("OOTKG_FUZZ_EXAMPLES", "25")),
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_FUZZ
@given(text)
def test_claim_extraction_is_bounded(validator, t):
    idx = validator.index("gc-us")
    counts = {"functions": 0, "fields": 0, "ids": 0, "addresses": 0}
    checker = ClaimChecker(idx, validator.index, lambda *a, **k: None, counts, None)
    checker.check_text(t[:60_000])
    checker.check_comments(t[:60_000])


@_FUZZ
@given(text, text)
def test_whole_validation_is_bounded(validator, prose, code):
    content = prose[:30_000] + "\n```c\n" + code[:30_000] + "\n```\n"
    ex = Example(id="f", messages=[{"role": "assistant", "content": content}], metadata={"version": "gc-us"})
    report = validator.validate(ex)
    assert report.version == "gc-us"
    assert len(report.issues) <= 200


@_FUZZ
@given(text)
def test_bare_code_is_bounded(validator, code):
    validator.validate_code(code[:60_000], "ntsc-1.0")
