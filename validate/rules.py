"""The validator's rules: every issue code, declared once with its level, severity and docs line.

Checks name the rule they report (``emit(rules.WRONG_ARITY, ...)`` or a registered code); a
code that is not registered here is a programming error (``UnknownRule``). The issue-code
table of docs/validate.md is generated from this registry::

    python -m validate.rules --write-docs    # rewrite the table between the markers
    python -m validate.rules --check         # exit 1 when docs and registry differ
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validate.models import Issue, Severity

E = Severity.error
W = Severity.warning


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    level: int  # 1 compiles, 2 true of OoT, 3 performance, 4 style
    severity: Severity  # the default; a check may say otherwise where ``severity_doc`` says
    doc: str  # one line for the docs table
    severity_doc: str = ""  # when the severity varies: what the docs column says


class UnknownRule(LookupError):
    """A check reported a code the registry does not declare (a bug in the check)."""


RULES: dict[str, Rule] = {}


def _rule(code: str, level: int, severity: Severity, doc: str, severity_doc: str = "") -> Rule:
    if code in RULES:
        raise ValueError(f"rule {code} declared twice")
    r = RULES[code] = Rule(code, level, severity, doc, severity_doc)
    return r


# level 1: compiles
COMPILE_ERROR = _rule("compile-error", 1, E, "clang error, at the snippet's own line")
COMPILE_TIMEOUT = _rule(
    "compile-timeout",
    1,
    E,
    "the compile took longer than the limit, or used more than its CPU "
    "share while the slow lane was full (worker killed)",
)
COMPILE_CRASH = _rule("compile-crash", 1, E, "the compiler gave up or its worker died (memory cap)")
FORBIDDEN_INCLUDE = _rule(
    "forbidden-include",
    1,
    E,
    'a directive that would read or probe a file outside the decomp (see "Security model"); never read',
)
IMPLICIT_DECLARATION = _rule(
    "implicit-declaration",
    1,
    E,
    "a call to a function no header the snippet sees declares "
    "(names the header to include, or the file that defines it)",
)
QUOTE_MISMATCH = _rule(
    "quote-mismatch",
    1,
    E,
    "a block fenced as a quote of `path:first-last` differs from those "
    "lines of the checkout (the first differing line); it is then checked as the example's own code",
)
QUOTE_UNKNOWN_FILE = _rule(
    "quote-unknown-file",
    1,
    E,
    "a quote's path is not a source file inside the decomp, or the decomp has no such file or lines",
)
TOO_LARGE = _rule(
    "too-large",
    1,
    W,
    "a code block over 200,000 characters: not compiled (split it); level 1 is "
    "reported skipped (the block was not judged)",
)

# level 2: true of OoT
CHECK_TIMEOUT = _rule("check-timeout", 2, E, "(service) checking the example took longer than its limit: split it")
CHECK_FAILED = _rule("check-failed", 2, E, "(service) the worker checking the example died (memory cap): split it")
UNKNOWN_FUNCTION = _rule("unknown-function", 2, E, "no such function in that version (did-you-mean in `suggestions`)")
UNKNOWN_MACRO = _rule(
    "unknown-macro", 2, E, "a macro-like call (`OPEN_DISP(...)`, `gSPDisplayLst`) no define has (did-you-mean)"
)
WRONG_ARITY = _rule(
    "wrong-arity",
    2,
    E,
    "argument count differs from the version's signature or a "
    'function-like macro\'s parameters; also a prose claim "X takes N arguments"',
)
WRONG_ARG_TYPE = _rule("wrong-arg-type", 2, E, "e.g. `EnHorse*` passed where `Actor*` is taken (write `&this->actor`)")
NOT_CALLABLE = _rule(
    "not-callable",
    2,
    E,
    "a function of another overlay, or `static` in another file: the snippet's code cannot call it",
)
UNKNOWN_FIELD = _rule(
    "unknown-field", 2, E, "the struct has no such member (in code, or a `Struct.member` a claim names)"
)
UNKNOWN_TYPE = _rule(
    "unknown-type", 2, E, "a type that does not exist (renamed ones, e.g. `GlobalContext`, name the new one)"
)
_TABLE_NAME = "a table name that does not exist"
UNKNOWN_ACTOR = _rule("unknown-actor", 2, E, _TABLE_NAME)
UNKNOWN_OBJECT = _rule("unknown-object", 2, E, _TABLE_NAME)
UNKNOWN_SCENE = _rule("unknown-scene", 2, E, _TABLE_NAME)
UNKNOWN_SEQUENCE = _rule("unknown-sequence", 2, E, _TABLE_NAME)
UNKNOWN_SFX = _rule("unknown-sfx", 2, E, _TABLE_NAME)
UNKNOWN_EFFECT = _rule("unknown-effect", 2, E, _TABLE_NAME)
UNKNOWN_ENTRANCE = _rule("unknown-entrance", 2, E, _TABLE_NAME)
UNKNOWN_FLAG = _rule("unknown-flag", 2, E, "an `EVENTCHKINF_*`-style flag that does not exist")
UNKNOWN_CONSTANT = _rule(
    "unknown-constant",
    2,
    E,
    "a constant of a family the graph holds whole (or a near miss of "
    "a known name) that does not exist; not a skeleton's limb enum (generated from the asset "
    "XML, not in the graph)",
)
RENAMED_SYMBOL = _rule("renamed-symbol", 2, E, "an old decomp name (`globalCtx`)")
NOT_IN_VERSION = _rule(
    "not-in-version",
    2,
    E,
    "the name exists only in other versions (listed); not inside an `#if` the version does not compile",
)
WRONG_ACTOR_ID = _rule("wrong-actor-id", 2, E, "a claimed actor id differs from the graph")
WRONG_ID = _rule("wrong-id", 2, E, "a claimed id of another table differs from the graph")
WRONG_VALUE = _rule("wrong-value", 2, E, "a claimed constant value differs from the graph")
WRONG_ADDRESS = _rule("wrong-address", 2, E, "a claimed RAM address differs from the graph (with its source)")
WRONG_OFFSET = _rule(
    "wrong-offset",
    2,
    E,
    "a claimed member offset differs; a comment of a struct definition "
    "that has the graph's members is only a warning (the compiler lays it out; the decomp has "
    "a few stale ones)",
    "error (warning in a struct's own `/* 0x024 */` comments)",
)
WRONG_SIZE = _rule(
    "wrong-size",
    2,
    E,
    "a claimed struct/instance/member size differs, or a profile's "
    "`sizeof` names the wrong struct (not a profile that names another actor's id, a decomp "
    "quirk the graph records)",
    "error (warning in a struct comment)",
)
WRONG_COUNT = _rule("wrong-count", 2, E, "a claimed array length or member count differs")
WRONG_CALL = _rule(
    "wrong-call",
    2,
    E,
    '"X calls Y" where X does not (directly nor through its file\'s '
    'helpers), or "X never calls Y" where it does; did-you-mean: the functions of X\'s file '
    "that do",
)
WRONG_PROFILE_SLOT = _rule(
    "wrong-profile-slot",
    2,
    E,
    "the profile's init/destroy/update/draw function is another one (did-you-mean: the right one)",
)
WRONG_WIRING = _rule(
    "wrong-wiring",
    2,
    E,
    "a run-time assigned function (`actionFunc`, a draw set in Init; in "
    '"actionFunc is set to Y", Y) of another overlay, or one the graph\'s `ASSIGNS`/`PASSES` '
    "facts do not wire in; unchecked on a graph without such facts",
)
WRONG_DECLARED_IN = _rule(
    "wrong-declared-in", 2, E, "a function declared in another header (did-you-mean: the real one)"
)
WRONG_DEFINED_IN = _rule(
    "wrong-defined-in", 2, E, "a function defined in another file or overlay (did-you-mean: the real one)"
)
WRONG_VERSION_CLAIM = _rule(
    "wrong-version-claim",
    2,
    E,
    '"added in", "only on", "missing from", "exists in '
    'N/every version(s)" contradicted by the versions the graph holds',
)
WRONG_OBJECT_DEPENDENCY = _rule(
    "wrong-object-dependency",
    2,
    E,
    "an actor said to use an object it does not (or its "
    "profile object named wrongly), an asset placed in the wrong object",
)
MISSING_OBJECT_DEPENDENCY = _rule(
    "missing-object-dependency", 2, E, "assets of an object the actor does not load (and the code never names)"
)

# level 3: performance and memory
DOUBLE_LITERAL = _rule("double-literal", 3, W, "`1.0` where the decomp writes `1.0f`")
DOUBLE_MATH = _rule("double-math", 3, W, "`sqrt`/`sin`/... instead of `sqrtf`/`Math_SinS`")
LARGE_STACK_ARRAY = _rule("large-stack-array", 3, W, "a big local array", "warning (error over 4 KiB)")
ALLOC_IN_FRAME = _rule("alloc-in-frame", 3, E, "heap allocation in an update/draw function")
LARGE_INSTANCE = _rule("large-instance", 3, W, "an actor struct larger than any actor of that version")
OBJECT_SLOTS = _rule(
    "object-slots", 3, E, "more objects passed to `Object_GetSlot` and friends than the object context has slots"
)

# level 4: the decomp's conventions
NAMING = _rule("naming", 4, W, "actor functions not named `EnHorse_Update`-style")
PARAM_NAMING = _rule("param-naming", 4, W, "not `PlayState* play` / `Actor* thisx` / `EnHorse* this`")
PROFILE_SHAPE = _rule("profile-shape", 4, W, "an `ActorProfile` that is not the decomp's 9-entry shape")


def rule(r: Rule | str) -> Rule:
    """The rule itself, or the registered rule of a code (``UnknownRule`` if none)."""
    if isinstance(r, Rule):
        return r
    try:
        return RULES[r]
    except KeyError:
        raise UnknownRule(f"issue code {r!r} is not a registered rule (validate/rules.py)") from None


def issue(r: Rule | str, message: str, *, severity: Severity | None = None, **where: Any) -> Issue:
    """An ``Issue`` of rule ``r`` (its level, its severity unless one is given)."""
    ru = rule(r)
    return Issue(code=ru.code, level=ru.level, severity=severity or ru.severity, message=message, **where)


Emit = Callable[..., None]


def make_emit(issues: list[Issue], message_index: int | None, block: int | None, line_offset: int = 0) -> Emit:
    """``emit(rule, symbol, message, line, suggestions[, severity])``: appends an issue of a
    registered rule (its level; its severity unless one is given), once per place."""
    seen: set[tuple[str, str | None, int | None, str]] = set()

    def emit(
        r: Rule | str,
        symbol: str | None,
        message: str,
        line: int | None,
        suggestions: list[str],
        severity: Severity | None = None,
    ) -> None:
        ru = rule(r)
        key = (ru.code, symbol, line, message)
        if key in seen:
            return
        seen.add(key)
        issues.append(
            issue(
                ru,
                message,
                severity=severity,
                symbol=symbol,
                message_index=message_index,
                block=block,
                line=None if line is None else line + line_offset,
                suggestions=suggestions,
            )
        )

    return emit


# ---------------------------------------------------------------------- the docs table

DOCS = Path(__file__).resolve().parent.parent / "docs" / "validate.md"
BEGIN = "<!-- rules -->"
END = "<!-- /rules -->"


def docs_table() -> str:
    """The issue-code table: one row per rule, consecutive rules that read the same merged."""
    rows: list[tuple[list[str], int, str, str]] = []
    for r in RULES.values():
        sev = r.severity_doc or r.severity.value
        if rows and rows[-1][1:] == (r.level, sev, r.doc):
            rows[-1][0].append(r.code)
        else:
            rows.append(([r.code], r.level, sev, r.doc))
    out = ["| code | level | severity | meaning |", "|---|---|---|---|"]
    for codes, level, sev, doc in rows:
        out.append(f"| {' / '.join(f'`{c}`' for c in codes)} | {level} | {sev} | {doc} |")
    return "\n".join(out)


def render_docs(text: str) -> str:
    """``text`` with the block between the markers replaced by the registry's table."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{DOCS.name} has no {BEGIN} ... {END} block")
    return text[: start + len(BEGIN)] + "\n" + docs_table() + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m validate.rules", description="The validator's rule registry and its docs table."
    )
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--write-docs", action="store_true", help=f"rewrite the table in {DOCS}")
    g.add_argument("--check", action="store_true", help="exit 1 when the docs table differs")
    args = ap.parse_args(argv)
    if not (args.write_docs or args.check):
        print(docs_table())
        return 0
    text = DOCS.read_text()
    new = render_docs(text)
    if args.check:
        if new != text:
            print(f"{DOCS} is out of date: run python -m validate.rules --write-docs", file=sys.stderr)
            return 1
        return 0
    if new != text:
        DOCS.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
