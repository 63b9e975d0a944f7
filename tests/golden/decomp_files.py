"""The decomp's own actor and effect files, whole and as excerpts, for the false-alarm checks
(read from a checkout at run time; nothing of the decomp is kept in this repository)."""

from __future__ import annotations

from collections import Counter
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
                if live is None or not any(n in live.dead or n in live.unsure for n in range(start, t.line + 1)):
                    out.append("\n".join(lines[start - 1 : t.line]) + "\n")
                start = None
    return out


def this_lines(function: str, n: int = 3) -> str | None:
    """A few consecutive statement lines of a function that use ``this->``."""
    body = function.split("\n")[1:-2]
    run: list[str] = []
    for line in body:
        s = line.strip()
        if (
            s.endswith(";")
            and not s.startswith(_NOT_ALONE)
            and "{" not in s
            and "}" not in s
            and s.count("(") == s.count(")")
        ):
            run.append(s)
            if len(run) == n and any("this->" in x for x in run):
                return "\n".join(run) + "\n"
        else:
            run = []
    return None


def snippets(
    root: Path | str,
    version: str,
    *,
    whole: bool = True,
    excerpts: bool = True,
    every: int = 1,
    per_file: int | None = None,
) -> list[tuple[str, str, str]]:
    """(file, kind, code): each file whole, each function it compiles for ``version``, and a
    few ``this->`` lines of each; ``every``/``per_file`` sample them."""
    out = []
    for f in files(root)[::every]:
        code = f.read_text(errors="replace")
        if whole:
            out.append((f.name, "whole file", code))
        if excerpts:
            for fn in functions(code, version)[:per_file]:
                out.append((f.name, "function", fn))
                lines = this_lines(fn)
                if lines:
                    out.append((f.name, "this-> lines", lines))
    return out


def false_alarms(
    validator, items: list[tuple[str, str, str]], version: str, batch: int = 16
) -> tuple[Counter, dict[str, list[str]]]:
    """Errors per (kind, code) over the snippets, and a few of each with the file."""
    from validate.models import Example

    counts: Counter = Counter()
    seen: dict[str, list[str]] = {}
    for i in range(0, len(items), batch):
        part = items[i : i + batch]
        reports = validator.validate_many(
            [
                Example(
                    id=f"{name}:{kind}",
                    messages=[{"role": "assistant", "content": f"```c\n{code.rstrip()}\n```\n"}],
                    metadata={"version": version},
                )
                for name, kind, code in part
            ]
        )
        for (name, kind, _), r in zip(part, reports, strict=True):
            for e in r.errors():
                counts[(kind, e.code)] += 1
                seen.setdefault(e.code, [])
                if len(seen[e.code]) < 5:
                    seen[e.code].append(f"{name} ({kind}) line {e.line}: {e.message}")
    return counts, seen
