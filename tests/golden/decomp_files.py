"""The decomp's own actor and effect files, whole and as excerpts, for the false-alarm checks
(read from a checkout at run time; nothing of the decomp is kept in this repository)."""

from __future__ import annotations

from pathlib import Path

from validate.clex import tokenize
from validate.ppcond import liveness

_NOT_ALONE = ("break", "continue", "return", "case", "default", "goto", "else", "}", "{", "#")


def files(root: Path | str) -> list[Path]:
    base = Path(root) / "src" / "overlays"
    return sorted(base.glob("actors/*/*.c")) + sorted(base.glob("effects/*/*.c"))


def functions(code: str, version: str | None = None) -> list[str]:
    """Each function definition of a file, as written (from its first line to its last);
    with a version, only those it compiles (not inside ``#if PLATFORM_N64`` for a GC build)."""
    lines = code.split("\n")
    live = liveness(code, version) if version else None
    toks = tokenize(code)
    out = []
    depth = 0
    start = None
    for i, t in enumerate(toks):
        if t.kind != "op":
            continue
        if t.text == "{":
            if depth == 0 and i > 0 and toks[i - 1].text == ")":
                k = i - 1
                par = 0
                while k >= 0:  # back to the function's name, then to its line's start
                    par += {")": 1, "(": -1}.get(toks[k].text, 0)
                    if par == 0:
                        break
                    k -= 1
                start = toks[k - 1].line if k > 0 else t.line
            depth += 1
        elif t.text == "}":
            depth -= 1
            if depth == 0 and start is not None:
                if live is None or not any(n in live.dead or n in live.unsure
                                           for n in range(start, t.line + 1)):
                    out.append("\n".join(lines[start - 1:t.line]) + "\n")
                start = None
    return out


def this_lines(function: str, n: int = 3) -> str | None:
    """A few consecutive statement lines of a function that use ``this->``."""
    body = function.split("\n")[1:-2]
    run: list[str] = []
    for line in body:
        s = line.strip()
        if s.endswith(";") and not s.startswith(_NOT_ALONE) and "{" not in s and "}" not in s \
                and s.count("(") == s.count(")"):
            run.append(s)
            if len(run) == n and any("this->" in x for x in run):
                return "\n".join(run) + "\n"
        else:
            run = []
    return None
