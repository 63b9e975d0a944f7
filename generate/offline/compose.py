"""Pieces the offline recipes share: the question in a persona's voice, quotes of real code,
edits of a real function, and the wording that varies from example to example.

Everything an answer states comes from the context (facts with ids, code with file:line)
or from the scenario's own text (general engine behaviour, each claim backed by an
``evidence`` quote of the engine code). Connecting phrases vary with the item's random
generator so that two answers of one recipe do not read alike.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from generate.code import CodeSnippet
from generate.families.base import Draft
from generate.models import Context, Fact
from generate.scenario import Scenario, domains, fill, personas, usable

QUOTE_LINES = 30


@dataclass
class Job:
    """What a recipe gets: the context, the scenario, the level, the voice, evidence quotes."""

    ctx: Context
    scenario: Scenario
    difficulty: int
    persona: str
    rng: random.Random
    values: dict[str, str]
    evidence: list[tuple[Any, CodeSnippet]] = field(default_factory=list)  # (Evidence, quote)
    used: list[Fact] = field(default_factory=list)
    code_shown: int = 0
    lookup: Callable[[str], Fact | None] = lambda name: None  # a function's signature fact
    glossary: dict[str, str] = field(default_factory=dict)
    quoted: set[str] = field(default_factory=set)  # files the answer quotes so far
    change_kind: str = ""  # the code change the recipe made (generate.offline.changes)

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def fill(self, text: str) -> str:
        return fill(text, self.values) or text

    def filled(self, texts: list[str]) -> list[str]:
        """The texts whose slots this target fills; one naming something the target does not
        have (``{collider}`` for an actor without one) is left out, never printed raw."""
        return [t for t in (fill(x, self.values) for x in texts) if t]

    def use(self, *facts: Fact | None) -> None:
        for f in facts:
            if f is not None and f not in self.used:
                self.used.append(f)


def question(job: Job) -> str:
    s, p = job.scenario, personas().get(job.persona)
    options = usable(s.ask.get(job.persona, []) + s.ask.get("any", []), job.values)
    if not options:
        options = usable([x for v in s.ask.values() for x in v], job.values)
    core = job.pick(options)
    if job.difficulty >= 3:
        core = f"{core} {goal(job)}".strip()
    if p is None:
        return core
    opener, closer = job.pick(p.openers or [""]), job.pick(p.closers or [""])
    return " ".join(x for x in (opener, core, closer) if x)


def goal(job: Job) -> str:
    """What the asker wants done at levels 3 and 4 (the task changes with the level, so the
    question does too): the scenario's task in the asker's words, or, where the catalogue
    states it tersely, the systems it has to work across."""
    task = job.fill(job.scenario.task(job.difficulty)).rstrip(".")
    if len(task.split()) >= 5:
        task = task[0].lower() + task[1:]
        return job.pick(
            [
                f"What I actually need: {task}.",
                f"Can you help me {task}?",
                f"The real goal: {task}.",
                f"I need to {task}.",
            ]
        )
    titles = domains_systems()
    names = [titles.get(s, s) for s in job.scenario.systems]
    if len(names) < 2:
        return ""
    both = f"{', '.join(names[:-1])} and {names[-1]}"
    if job.difficulty >= 4:
        return job.pick(
            [
                f"I need a plan that holds across {both}, with the trade-offs and a way to test it.",
                f"How would you design it across {both}? Trade-offs and how to verify, please.",
            ]
        )
    return ""


def thanks(job: Job) -> str:
    p = personas().get(job.persona)
    return job.pick(p.thanks) if p and p.thanks else "That fixed it."


def quote(job: Job, snip: CodeSnippet, max_lines: int = QUOTE_LINES, lead: str = "") -> str:
    """A verbatim quote with its location as the fence's info string (the validator checks
    such a block against the decomp instead of compiling it alone)."""
    lines = snip.lines()
    job.code_shown += 1
    job.quoted.add(snip.file)
    if len(lines) > max_lines:
        part = snip.model_copy(update={"text": "\n".join(lines[:max_lines]), "last": snip.first + max_lines - 1})
        tail = job.pick(
            [
                f"(the first {max_lines} of its {len(lines)} lines)",
                f"(lines {part.first}-{part.last}; it goes on to line {snip.data.get('end', snip.last)})",
            ]
        )
        return f"{lead}{tail}\n\n{part.fence()}"
    return f"{lead}\n\n{snip.fence()}" if lead else snip.fence()


def where(snip: CodeSnippet) -> str:
    return f"`{snip.where}`"


def edit(snip: CodeSnippet, anchor: str | None, new_lines: list[str], *, before: bool = False) -> str | None:
    """The whole function with ``new_lines`` inserted after (or before) the first line matching
    ``anchor`` (None: after the local declarations at the top). Only for functions short
    enough to show whole; the block says which lines of which file it replaces."""
    lines = snip.lines()
    if len(lines) > 40 or snip.note:
        return None
    idx = None
    if anchor:
        rx = re.compile(anchor)
        idx = next((i for i, ln in enumerate(lines) if rx.search(ln)), None)
        if idx is None:
            return None
        if before:
            idx -= 1
    else:
        idx = 0
        for i, ln in enumerate(lines[1:], 1):
            if (
                re.match(r"\s+(?:s8|u8|s16|u16|s32|u32|f32|Vec3f|Vec3s|\w+\*?)\s+\**\w+(\s*=.*)?;\s*$", ln)
                and "(" not in ln.split("=")[0]
            ):
                idx = i
            elif ln.strip() == "":
                continue
            else:
                break
    base = lines[idx] if 0 <= idx < len(lines) else lines[0]
    indent = _indent(lines[min(idx + 1, len(lines) - 1)]) or "    "
    if base.rstrip().endswith("{") and idx > 0:
        indent = _indent(base) + "    "
    body = lines[: idx + 1] + [indent + x if x else x for x in new_lines] + lines[idx + 1 :]
    text = "\n".join(body)
    return f"```c edit {snip.file}:{snip.first}-{snip.last}\n{text}\n```"


def domains_systems() -> dict[str, str]:
    from generate.scenario import _load

    return dict(_load("domains.yaml").get("systems", {}))


def evidence_text(job: Job, limit: int = 2) -> str:
    parts = []
    for ev, snip in job.evidence[:limit]:
        say = job.fill(ev.say) if ev.say else f"In {ev.function}:"
        parts.append(quote(job, snip, 16, f"{say} ({where(snip)})"))
    return "\n\n".join(parts)


def versions_line(job: Job) -> str:
    """Existence across versions: of the ingested ones, and how many the decomp builds."""
    f = job.ctx.first("versions:")
    if f is None:
        return ""
    job.use(f)
    return f.text


def domain_title(s: Scenario) -> str:
    return domains().get(s.domain, {}).get("title", s.domain)


def finish(job: Job, d: Draft) -> Draft:
    for f in job.used:
        if f.id not in {x.id for x in d.facts}:
            d.facts.append(f)
    d.meta = {
        "scenario": job.scenario.id,
        "persona": job.persona,
        "domain": job.scenario.domain,
        "systems": job.scenario.systems,
        "code_blocks": job.code_shown,
    }
    return d


def _indent(line: str) -> str:
    """The blanks ``line`` starts with."""
    return line[: len(line) - len(line.lstrip())]
