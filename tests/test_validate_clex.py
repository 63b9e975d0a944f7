"""The validator's C tokenizer: preprocessor lines, comments, literals, operators and lines."""

from __future__ import annotations

import random

from validate.clex import (
    Braces,
    call_args,
    call_span,
    matching,
    split_args,
    split_top,
    tokenize,
    top_level,
)


def toks(code: str) -> list[tuple[str, str, int]]:
    return [(t.kind, t.text, t.line) for t in tokenize(code)]


def test_preprocessor_lines_keep_indentation_and_continuations():
    assert toks("  #define X 1\nfoo();") == [
        ("pp", "  #define X 1", 1),
        ("id", "foo", 2),
        ("op", "(", 2),
        ("op", ")", 2),
        ("op", ";", 2),
    ]
    assert toks("#define A \\\n  B\nc") == [("pp", "#define A \\\n  B", 1), ("id", "c", 3)]
    # a carriage return before the # is not indentation the directive keeps
    assert toks("\r #include <a.h>") == [("pp", "#include <a.h>", 1)]
    # only blanks and comments may precede a directive on its line
    assert toks("/* a\nb */ #define Y") == [("pp", " #define Y", 2)]
    assert toks("x; # y") == [("id", "x", 1), ("op", ";", 1), ("op", "#", 1), ("id", "y", 1)]


def test_comments_strings_numbers_and_operators():
    assert toks("a // c\nb /* d */ c") == [("id", "a", 1), ("id", "b", 2), ("id", "c", 2)]
    assert [t[:2] for t in toks("s = \"x, (y\" + 'c';")] == [
        ("id", "s"),
        ("op", "="),
        ("str", '"x, (y"'),
        ("op", "+"),
        ("str", "'c'"),
        ("op", ";"),
    ]
    assert [t[:2] for t in toks("1.0f .5 0x1F 1e3 7u a.b ...")] == [
        ("num", "1.0f"),
        ("num", ".5"),
        ("num", "0x1F"),
        ("num", "1e3"),
        ("num", "7u"),
        ("id", "a"),
        ("op", "."),
        ("id", "b"),
        ("op", "..."),
    ]
    assert [t[1] for t in toks("a->b /= c / d <<= e")] == ["a", "->", "b", "/=", "c", "/", "d", "<<=", "e"]
    assert toks("/* unterminated\n x") == []
    assert toks("a \t\n\n  b  ") == [("id", "a", 1), ("id", "b", 3)]


def test_call_span_is_matching_plus_split_args():
    rnd = random.Random(7)
    pieces = ["(", ")", "[", "]", "{", "}", ",", "a", "1", '"s,("', "->", "b"]
    for _ in range(2000):
        t = tokenize("f(" + " ".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12))))
        close = matching(t, 1)
        want = [[x.text for x in a] for a in split_args(t, 1, close)]
        args, end = call_span(t, 1)
        assert end == close
        assert [[x.text for x in a] for a in args] == want
        assert [[x.text for x in a] for a in call_args(t, 1)] == want


def test_split_top_cuts_outside_the_given_brackets_only():
    t = tokenize("a(b, c), d[e, f], {g, h}, i")
    assert [[x.text for x in p] for p in split_top(t, ",")] == [
        ["a", "(", "b", ",", "c", ")"],
        ["d", "[", "e", ",", "f", "]"],
        ["{", "g", ",", "h", "}"],
        ["i"],
    ]
    # brackets not listed do not protect their separators
    assert len(split_top(tokenize("x[1; 2]; y"), ";", "({")) == 3
    assert split_top([], ",") == [[]]
    assert split_args(tokenize("f()"), 1, 2) == []


def test_braces_track_depth_and_the_function_whose_body_it_is():
    t = tokenize("struct S { int a; };\nvoid En_Update(Actor* thisx) { if (x) { y(); } }\nz;")
    b = Braces(t)
    seen = {}
    for i, tok in enumerate(t):
        if tok.text == "{":
            b.open(i)
        elif tok.text == "}":
            b.close()
        elif tok.kind == "id":
            seen[tok.text] = (b.depth, b.func)
    assert seen["a"] == (1, None)  # a struct body is no function's
    assert seen["y"] == (2, "En_Update")
    assert seen["z"] == (0, None)


def test_top_level_statements_end_at_a_semicolon_or_a_body():
    t = tokenize("#include <a.h>\ns32 x = 1;\nvoid f(void) { g(); }\nh();")
    got = [([x.text for x in s], t[end].text) for s, end in top_level(t)]
    assert got == [(["s32", "x", "=", "1"], ";"), (["void", "f", "(", "void", ")"], "{"), (["h", "(", ")"], ";")]
