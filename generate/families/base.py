"""What every example family shares: the output format, its parser, the prompt skeleton.

The model (and the offline client) answers in one tagged format, so that code in
answers needs no JSON escaping::

    <user>question</user>
    <assistant>answer, with ```c code blocks```</assistant>
    ...
    <facts_used>sig:Actor_Kill@ntsc-1.0, field:Actor.world@ntsc-1.0</facts_used>
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from generate.models import Context, Fact, Message

DIFFICULTY = {
    1: "locate or explain one fact: where it is (file:line), what the code does, one number",
    2: "a small change: one edit to one quoted function, with the call or value it needs",
    3: "a change across two systems (e.g. the actor and collision, the save and its checksum), with the code of both",
    4: "design or debug across systems: the plan, the code, the trade-offs weighed, and how to verify it",
}

SYSTEM_PROMPT = """You write training examples for an assistant that helps people mod \
The Legend of Zelda: Ocarina of Time through its C decompilation (zeldaret/oot). The examples \
teach expert romhacking: they must be true of the decomp, answer the question that was asked, \
and read like a knowledgeable person helping, not like a database dump.

Ground rules:
- Ground every technical claim in the FACTS and the CODE you are given: function names, \
signatures, struct offsets, ids, sizes, addresses and versions must appear there exactly. \
Never invent a function, a member, an id or an address. If the facts do not settle something, \
the assistant says so and says how to find out.
- Quote real code verbatim. A quoted block's fence carries where it is from, exactly as the \
CODE section gives it: ```c src/overlays/actors/ovl_En_Fu/z_en_fu.c:89-111 . Quote the lines \
that matter (a few to a few dozen), never paraphrase code inside a quote.
- A change to real code is an `edit` block: ```c edit <file>:<first>-<last> holding the whole \
changed function. Every call it adds must be a function whose signature the FACTS give, with \
the right number and types of arguments (`&this->actor` where an `Actor*` is taken); every \
member it touches must exist. Values you choose yourself are marked as such in a comment.
- Know what a function is before presenting it: a function stored in a field or passed to \
another (an action function, a limb callback, a profile function) is called by the engine, \
not by the user; a `static` function or one in another overlay cannot be called from the \
user's file; say "the engine calls it" rather than "call it".
- Addresses, offsets and sizes are per game version; always say which version. "In N \
versions" always counts the versions the decomp builds and names the ingested ones.
- Code uses the decomp's types and conventions: s16/u16/s32/f32, `PlayState* play`, \
`Actor* thisx` cast to the actor's struct as `this`, f32 literals with an `f` suffix.
- Difficulty changes the task, not the length: level 1 locates or explains one fact, level 2 \
makes a small change, level 3 crosses two systems, level 4 designs or debugs across systems \
with trade-offs and a verification step.
- Vary the voice with the asker: a beginner describes symptoms and needs the why; an expert \
wants exact lines and trade-offs; a randomizer developer patches retail ROMs by address.
- Multi-turn conversations are written turn by turn around the real cause: a clarifying \
question that matters to that cause, a real dead end, the fix, and a verification step.

Write the conversation in this exact format and nothing else:
<user>...</user>
<assistant>...</assistant>
(repeat turns as the task asks)
<facts_used>comma-separated ids of the facts and code blocks you relied on</facts_used>"""

_TURN = re.compile(r"<(user|assistant)>\s*(.*?)\s*</\1>", re.S)
_FACTS = re.compile(r"<facts_used>(.*?)</facts_used>", re.S)


class ParseError(ValueError):
    """The model's output is not a conversation in the expected format."""


@dataclass
class Parsed:
    messages: list[Message]
    fact_ids: list[str]


def parse_output(text: str, *, min_turns: int = 2) -> Parsed:
    turns = [Message(role=r, content=c.strip()) for r, c in _TURN.findall(text)]
    if not turns:
        raise ParseError("no <user>/<assistant> turns found")
    if turns[0].role != "user":
        raise ParseError("the conversation must start with a <user> turn")
    for a, b in zip(turns, turns[1:], strict=False):
        if a.role == b.role:
            raise ParseError("turns must alternate between user and assistant")
    if turns[-1].role != "assistant":
        raise ParseError("the conversation must end with an <assistant> turn")
    if len(turns) < min_turns:
        raise ParseError(f"expected at least {min_turns} turns, got {len(turns)}")
    if any(not t.content for t in turns):
        raise ParseError("empty turn")
    m = _FACTS.search(text)
    ids = [i.strip() for i in re.split(r"[,\n]", m.group(1)) if i.strip()] if m else []
    return Parsed(turns, ids)


def render_output(messages: list[Message], fact_ids: list[str]) -> str:
    """The inverse of :func:`parse_output` (the offline client writes this)."""
    body = "\n".join(f"<{m.role}>\n{m.content}\n</{m.role}>" for m in messages)
    return f"{body}\n<facts_used>{', '.join(fact_ids)}</facts_used>"


@dataclass
class Draft:
    """What an offline builder produces: the turns and the facts they rest on."""

    messages: list[Message]
    facts: list[Fact] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # scenario, persona, domain, systems

    def user(self, text: str) -> Draft:
        self.messages.append(Message(role="user", content=text.strip()))
        return self

    def assistant(self, text: str, *facts: Fact | None) -> Draft:
        self.messages.append(Message(role="assistant", content=text.strip()))
        seen = {f.id for f in self.facts}
        for f in facts:
            if f is not None and f.id not in seen:
                self.facts.append(f)
                seen.add(f.id)
        return self

    def fact_ids(self) -> list[str]:
        return [f.id for f in self.facts]


class Family:
    """One kind of example, defined by its scenario catalogue."""

    def __init__(self, name: str, min_turns: int = 2) -> None:
        self.name = name
        self.min_turns = min_turns

    @cached_property
    def catalogue(self) -> Any:
        from generate.scenario import catalogue

        return catalogue(self.name)

    @property
    def title(self) -> str:
        return self.name.replace("-", " ")

    @cached_property
    def target_kinds(self) -> tuple[str, ...]:
        kinds: list[str] = []
        for s in self.catalogue.scenarios:
            kinds += [k for k in s.targets if k not in kinds]
        return tuple(kinds)

    def scenarios(self) -> list[Any]:
        return list(self.catalogue.scenarios)

    @cached_property
    def _by_id(self) -> dict[str, Any]:
        return {s.id: s for s in self.catalogue.scenarios}

    def scenario(self, sid: str) -> Any:
        return self._by_id[sid]

    def instruction(self, ctx: Context, difficulty: int) -> str:
        return (
            f"Family: {self.name}.\n{self.catalogue.instructions.strip()}\n"
            f"The conversation has at least {self.min_turns} turns."
        )

    def parse(self, text: str) -> Parsed:
        return parse_output(text, min_turns=self.min_turns)


# -- helpers for offline builders -------------------------------------------------------
def cite(f: Fact) -> str:
    return f" ({f.source})" if f.source else ""


def pick(rng: random.Random, options: list[str], **fmt: Any) -> str:
    return rng.choice(options).format(**fmt)


def prototype(sig_fact: Fact) -> str:
    return sig_fact.data["signature"].rstrip(";") + ";"


# Headers every validation (and every actor file) already has in scope.
_COMMON_HEADERS = {
    "include/ultra64/ultratypes.h",
    "include/actor.h",
    "include/play_state.h",
    "include/z64.h",
    "include/global.h",
    "include/ultra64.h",
}


def wrapper_call(sig_fact: Fact, wrapper: str, comment: str = "") -> str | None:
    """A complete C function that calls the fact's function with its own parameters.

    Compiles wherever the function's parameter types do: headers under include/ that
    define them are included; a type private to a .c file means no code (None), as do
    variadic or parameterless signatures we cannot reproduce faithfully."""
    params = sig_fact.data.get("params") or []
    if not params or any(not p.get("name") or not p.get("type") for p in params):
        return None
    if any("..." in p["type"] or "(" in p["type"] or "[" in p["type"] for p in params):
        return None
    if "param_types" not in sig_fact.data:
        # Where each type is defined is unknown: only types every file has in scope.
        if any(ctype_text(p["type"]).replace("const ", "").rstrip("*").strip() not in PRIMITIVES for p in params):
            return None
    files = [t.get("file") or "" for t in sig_fact.data.get("param_types") or []]
    if any(f.endswith(".c") for f in files):
        return None
    headers = sorted({f for f in files if f.endswith(".h")} - _COMMON_HEADERS)
    decl = ", ".join(_declare(p["type"], p["name"]) for p in params)
    args = ", ".join(p["name"] for p in params)
    ret = ctype_text(sig_fact.data.get("return_type") or "void")
    known = {t.get("type") for t in sig_fact.data.get("param_types") or []}
    if ret.rstrip("*").strip() not in PRIMITIVES | known:
        ret = "void"  # a return type we cannot be sure is in scope: call and discard
    body = f"    {comment}\n" if comment else ""
    call = f"{sig_fact.data['name']}({args});"
    body += f"    return {call}\n" if ret != "void" else f"    {call}\n"
    includes = include_lines(headers)
    source = sig_fact.data.get("file") or ""
    if source.startswith("src/overlays/") and source.endswith(".c") and sig_fact.data.get("signature"):
        # an overlay's own function: no header declares it, so its prototype comes first (as
        # in the decomp's own files), and the code belongs in that overlay
        includes += f"// {sig_fact.data['name']} is {source}'s own\n{sig_fact.data['signature']};\n\n"
    return f"{includes}{ret} {wrapper}({decl}) {{\n{body}}}"


def include_lines(headers: list[str]) -> str:
    """``#include`` lines for decomp headers (paths as the build's -I include/ and src/ see
    them), followed by a blank line; empty when there are none."""
    lines = []
    for h in headers:
        if h in _COMMON_HEADERS or not h.endswith(".h"):
            continue
        for root in ("include/", "src/"):
            if h.startswith(root):
                h = h[len(root) :]
                break
        lines.append(f'#include "{h}"\n')
    return "".join(lines) + ("\n" if lines else "")


def ctype_text(ctype: str) -> str:
    """The decomp's spelling of a type: ``Actor* actor``, not clang's ``Actor *``."""
    return re.sub(r"\s*\*", "*", ctype.strip())


def _declare(ctype: str, name: str) -> str:
    return f"{ctype_text(ctype)} {name}"


def code(text: str) -> str:
    return f"```c\n{text.rstrip()}\n```"


def facts_text(facts: list[Fact], limit: int = 6) -> str:
    return "\n".join(f"- {f.text}{cite(f)}" for f in facts[:limit])


def other_version(ctx: Context, fact: Fact | None) -> str | None:
    """A version other than the context's in which the entity exists (from a versions fact)."""
    if fact is None:
        return None
    others = [v for v in fact.data.get("versions", []) if v != ctx.version]
    return others[0] if others else None


PRIMITIVES = {
    "void",
    "s8",
    "u8",
    "s16",
    "u16",
    "s32",
    "u32",
    "s64",
    "u64",
    "f32",
    "f64",
    "int",
    "char",
    "float",
    "double",
    "uintptr_t",
    "size_t",
    "Gfx",
    "Vec3f",
    "Vec3s",
    "Actor",
    "PlayState",
}
TYPE_RANGES = {
    "s8": (-128, 127),
    "u8": (0, 255),
    "s16": (-32768, 32767),
    "u16": (0, 65535),
    "s32": (-(2**31), 2**31 - 1),
    "u32": (0, 2**32 - 1),
}
TEXEL_BITS = {"rgba32": 32, "rgba16": 16, "ia16": 16, "ia8": 8, "i8": 8, "ci8": 8, "ia4": 4, "i4": 4, "ci4": 4}


def concept_draft(ctx: Context, difficulty: int, rng: random.Random, angle: str) -> Draft | None:
    """A concept explained from its curriculum entry, prerequisites and covered code facts."""
    concept = ctx.first("concept:")
    if concept is None:
        return None
    reqs = ctx.of("requires:")
    code_facts = [f for f in ctx.facts if not f.id.startswith(("concept:", "requires:"))]
    if difficulty >= 3 and not code_facts:
        return None
    title = concept.data.get("title") or ctx.target.key
    question = pick(
        rng,
        [
            "From the {a} side: what is '{t}' in OoT, and what should I know first?",
            "Explain {t} ({a}) for someone modding {v}.",
            "I'm learning {a} in the OoT decomp. What does '{t}' mean in practice?",
        ],
        a=angle,
        t=title,
        v=ctx.version,
    )
    answer = concept.data.get("summary") or concept.text
    used: list[Fact] = [concept]
    if reqs:
        answer += "\n\nIt builds on: " + ", ".join(f.data["requires"] for f in reqs) + "."
        used += reqs
    if difficulty >= 2 and code_facts:
        chosen = code_facts[: 2 * difficulty]
        answer += f"\n\nWhere it shows up in the code ({ctx.version}):\n" + facts_text(chosen, 8)
        used += chosen
    return Draft([]).user(question).assistant(answer, *used)
