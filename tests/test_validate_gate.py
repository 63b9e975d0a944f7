"""The include gate, judged against libclang itself: whatever the gate lets through, the
real preprocessor never opens a file outside the include directory (nor learns whether one
exists). Hypothesis composes directives from the tricks a lexer can miss."""

from __future__ import annotations

from pathlib import Path

import clang.cindex as ci
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validate.pplex import normalize, scan
from validate.sandbox import final_check, gate

ARGS = ["-x", "c", "-std=gnu90", "-nostdinc", "--target=mips-unknown-linux-gnu", "-Wno-everything"]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    inc = root / "inc"
    inc.mkdir()
    (inc / "ok.h").write_text("int ok_mark;\n")
    out = root / "outside"
    out.mkdir()
    secret = out / "secret.h"
    secret.write_text("int SECRET_MARK_7f3a;\n")
    return inc, secret


def _compile(text: str, inc: Path):
    index = ci.Index.create()
    path = str(inc / "snippet.c")
    return index.parse(path, args=[*ARGS, f"-I{inc}"], unsaved_files=[(path, text)])


def _outside(tu, inc: Path) -> list[str]:
    return [
        str(i.include.name)
        for i in tu.get_includes()
        if not Path(str(i.include.name)).resolve().is_relative_to(inc.resolve())
    ]


# The bypasses, and their family.
BYPASSES = [
    'int leak[] = {\n#/**/include "SECRET"\n};',
    '/**/#include "SECRET"\nint x;',
    '/* a comment\n   over lines */\n#include "SECRET"\n',
    '/* a\n b */ #include "SECRET"\n',
    '%:/**/include "SECRET"\n',
    "%:include <SECRET>\n",
    '#inc\\\nlude "SECRET"\n',
    '#include \\\n"SECRET"\n',
    '#inc\\   \nlude "SECRET"\n',
    '#\x00include "SECRET"\n',
    '#\u00a0include "SECRET"\n',
    '#\u3000include "SECRET"\n',
    'int x;\r#include "SECRET"\n',
    '\ufeff#include "SECRET"\n',
    '#include_next "SECRET"\n',
    '#import "SECRET"\n',
    '#define F "SECRET"\n#include F\n',
    "#define H(x) #x\n#include H(SECRET)\n",
    '#include "../outside/secret.h"\n',
    "#include <../outside/secret.h>\n",
    '#define CAT(a, b) a##b\n#if CAT(__has_,include)("SECRET")\nint HAS;\n#endif\n',
    '#define CAT(a, b) a %:%: b\n#if CAT(__has_,include)("SECRET")\nint HAS;\n#endif\n',
    '#if __has_include("SECRET")\nint HAS;\n#endif\n',
    "#if __has_include_next(<SECRET>)\nint HAS;\n#endif\n",
    '#/**/pragma GCC dependency "SECRET"\n',
    '#pragma GCC dependency "SECRET"\n',
    '_Pragma("GCC dependency \\"SECRET\\"")\nint x;\n',
    '#define P(x) _Pragma(#x)\nP(GCC dependency "SECRET")\n',
    "#pragma clang __debug overflow_stack\nint a;\n",
    '#embed "SECRET"\n',
    '??=include "SECRET"\n',
    '#line 1 "SECRET"\nint x = ;\n',
    '# 7 "SECRET"\nint x = ;\n',
]


@pytest.mark.parametrize("text", BYPASSES)
def test_each_bypass_is_stopped_and_clang_agrees(text, dirs):
    inc, secret = dirs
    text = text.replace("SECRET", str(secret))
    g = gate(text)
    # every form is refused, blanked or reported; none reaches clang intact
    assert g.text is None or g.problems or g.text != normalize(text), text
    if g.text is not None:
        tu = _compile(g.text, inc)
        assert _outside(tu, inc) == []
        assert not any("SECRET_MARK" in d.spelling for d in tu.diagnostics)
        assert not any(c.spelling == "HAS" for c in tu.cursor.get_children())
        assert not any(str(secret) in d.spelling for d in tu.diagnostics if "dependency" in d.spelling)


def test_every_raw_bypass_would_have_read_the_file(dirs):
    """The corpus is real: without the gate, clang includes or probes the file."""
    inc, secret = dirs
    hits = 0
    for text in BYPASSES:
        if "__debug" in text:
            continue  # not a file read: it overflows clang's stack (the reason it is refused)
        tu = _compile(text.replace("SECRET", str(secret)), inc)
        outside = _outside(tu, inc)
        has = any(c.spelling == "HAS" for c in tu.cursor.get_children())
        hits += bool(outside or has)
    assert hits >= 20


@pytest.mark.parametrize(
    "text",
    [
        '#include "ok.h"\n',
        "#include <ok.h>\n",
        '%:include "ok.h"\n',
        '#/**/include "ok.h"\n',
        '# include /* c */ "ok.h" // trailing\n',
        '#inc\\\nlude "ok.h"\n',
        "#include <ok.h> /* a \"quote' and /* */\nint y;\n",
        '#pragma once\n#include "ok.h"\n',
        '#pragma increment_block_number "gc-eu:128"\nint x;\n',
    ],
)
def test_plain_includes_still_work(text, dirs):
    inc, _ = dirs
    g = gate(text)
    assert g.text is not None and not g.problems
    tu = _compile(g.text, inc)
    assert [Path(str(i.include.name)).name for i in tu.get_includes()] in ([], ["ok.h"])
    assert final_check(g.text) is None


def test_line_numbers_survive_blanking():
    code = 'int a;\n#pragma GCC dependency "x"\n#inc\\\nlude "/etc/passwd"\nint b = ;\n'
    g = gate(code)
    assert g.text is not None and g.text.count("\n") == code.count("\n")
    assert g.text.split("\n")[4] == "int b = ;"
    assert [p[0] for p in g.problems] == [2, 3]


def test_header_name_lexed_apart():
    # inside <...> a quote or /* is text: the next line is still a directive
    sc = scan('#include <a/*b>\n#include "/etc/passwd"\n')
    assert [d.header for d in sc.directives] == ["<a/*b>", '"/etc/passwd"']


# ---------------------------------------------------------------- fuzzing against clang

_PREFIX = [
    "",
    " ",
    "\t",
    "/**/",
    "/*\n*/",
    "\\\n",
    "\x00",
    "\u00a0",
    "//c\n",
    "\f",
    "\r\n",
    "int x;",
    "int x; /*",
    "*/",
    '"',
    "'",
]
_HASH = ["#", "%:", "??=", "# ", "#\\\n", "#/**/", "#\\  \n"]
_NAME = [
    "include",
    "inc\\\nlude",
    "include_next",
    "import",
    "embed",
    "pragma GCC dependency",
    "pragma",
    "line 1",
    "\\u0069nclude",
    "in/**/clude",
    "define F",
    "if",
    "error",
]
_SEP = [" ", "", "/**/", "\\\n", "\t", "/*\n*/"]
_OPERAND = [
    '"{S}"',
    "<{S}>",
    '"ok.h"',
    "<ok.h>",
    "F",
    '"../outside/secret.h"',
    "<{S}",
    '"{S}',
    '("{S}")',
    '__has_include("{S}")',
]
_EXTRA = [
    "",
    '#define F "{S}"\n',
    "#define CAT(a,b) a##b\n",
    'CAT(__has_,include)("{S}")\n',
    "#if 1\n",
    "#endif\n",
    '_Pragma("once")\n',
    "x ## y\n",
]

piece = st.tuples(
    st.sampled_from(_EXTRA),
    st.sampled_from(_PREFIX),
    st.sampled_from(_HASH),
    st.sampled_from(_NAME),
    st.sampled_from(_SEP),
    st.sampled_from(_OPERAND),
    st.sampled_from(["\n", "", " // x\n", "\\\n", "\n#endif\n"]),
).map("".join)


@settings(
    max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(piece, min_size=1, max_size=4).map("".join))
def test_fuzz_nothing_the_gate_passes_reads_outside(dirs, snippet):
    inc, secret = dirs
    text = snippet.replace("{S}", str(secret))
    g = gate(text)
    if g.text is None:
        return
    tu = _compile(g.text, inc)
    assert _outside(tu, inc) == [], (text, g.text)
    assert not any("SECRET_MARK" in d.spelling for d in tu.diagnostics), text


@settings(max_examples=200, deadline=2000)
@given(st.text(alphabet=st.sampled_from(list("#%:<>\"'/*\\\n \tiIncludeg?=_()a#")), max_size=400))
def test_fuzz_random_text_never_crashes_the_gate(text):
    g = gate(text)
    if g.text is not None:
        assert g.text.count("\n") == normalize(text).count("\n")
