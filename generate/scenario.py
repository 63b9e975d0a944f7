"""Scenario catalogues: data files (``generate/scenarios/<family>.yaml``) that say what an
example is about, and which graph facts and code it needs.

A scenario names its seed domain and the systems it touches, the target kinds it fits,
``needs`` (requirements checked on a target's context: the planner pairs a target with a
scenario only where they hold), ``evidence`` (lines of real engine code that show the
cause, found by a pattern in a named function), the recipe that builds it offline, the
task at each difficulty, persona phrasings, and for conversations the clarifying
question, the dead end and the verification. Placeholders (``{name}``, ``{object}``...)
are filled from the context (``slots``); a phrasing whose slots are missing is skipped.

Requirements (``needs``):
  ``fact:PREFIX``   a fact whose id starts with PREFIX (``fact:object:``, ``fact:offdiff:``)
  ``code:ROLE``     a code snippet of that role (own, init, update, draw, profile, struct,
                    assigned, ifblock, use, table, spec, exemplar, callee, caller, data)
  ``short:ROLE``    ... of at most 40 lines (an edit can show the whole function)
  ``calls:REGEX``   the target's own code calls a function matching REGEX
  ``text:REGEX``    the target's own code matches REGEX
  ``slot:NAME``     the placeholder NAME can be filled
  ``ifversions``    an ``#if`` block whose branches' versions are known
  ``diffversions``  ... whose branches split the ingested versions
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import cache
from importlib import resources
from operator import attrgetter
from typing import Any

import yaml
from pydantic import BaseModel, Field

from generate.models import Context

OWN_ROLES = ("own", "init", "update", "draw", "destroy")


class Evidence(BaseModel):
    function: str = ""  # a function of the graph...
    file: str = ""  # ...or a file of the checkout (Makefile, spec, a header)
    match: str
    say: str = ""


class Scenario(BaseModel):
    id: str
    family: str = ""
    title: str
    domain: str
    systems: list[str] = Field(default_factory=list)
    targets: list[str]
    needs: list[str] = Field(default_factory=list)
    target_filter: dict[str, str] = Field(default_factory=dict)  # kind-specific filters
    grep: str | None = None  # targets: functions whose text matches (comments included)
    evidence: list[Evidence] = Field(default_factory=list)
    recipe: str
    tasks: dict[int, str]
    ask: dict[str, list[str]]  # persona -> opening phrasings
    clarify: dict[str, str] = Field(default_factory=dict)  # q, a
    dead_end: dict[str, str] = Field(default_factory=dict)  # try, result
    cause: str = ""
    fix: str = ""
    verify: str = ""
    tradeoffs: list[str] = Field(default_factory=list)
    change: dict[str, Any] = Field(default_factory=dict)  # recipe-specific (a call to insert...)
    notes: list[str] = Field(default_factory=list)  # general truths the answer may state

    def task(self, difficulty: int) -> str:
        return self.tasks.get(difficulty) or self.tasks[max(k for k in self.tasks if k <= difficulty)]


class Catalogue(BaseModel):
    family: str
    instructions: str
    scenarios: list[Scenario]
    glossary: dict[str, str] = Field(default_factory=dict)  # names the recipes may explain


class Persona(BaseModel):
    id: str
    who: str
    openers: list[str] = Field(default_factory=list)
    closers: list[str] = Field(default_factory=list)
    thanks: list[str] = Field(default_factory=list)


@cache
def _load(name: str) -> Any:
    text = resources.files("generate").joinpath("scenarios", name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def catalogue(family: str) -> Catalogue:
    cat = Catalogue.model_validate(_load(f"{family}.yaml"))
    for s in cat.scenarios:
        s.family = family
    return cat


@cache
def personas() -> dict[str, Persona]:
    return {p["id"]: Persona.model_validate(p) for p in _load("personas.yaml")["personas"]}


@cache
def domains() -> dict[str, dict[str, Any]]:
    """Seed domains: id -> {title, area}; every scenario names one."""
    return {d["id"]: d for d in _load("domains.yaml")["domains"]}


# -- slots ----------------------------------------------------------------------------------
def slots(ctx: Context) -> dict[str, str]:
    """Placeholder values a context can fill."""
    t = ctx.target
    out: dict[str, str] = {"name": t.name, "version": ctx.version, "kind": t.kind.lower()}
    actor = ctx.first("actor:")
    if actor is not None:
        d = actor.data
        for k in ("overlay", "category", "alloc", "instance_struct", "object", "debug_name"):
            if d.get(k):
                out[k] = str(d[k])
        out["struct"] = str(d.get("instance_struct") or "")
        if not out["struct"]:
            del out["struct"]
    for f in ctx.of("profile:"):
        out[f.data["role"]] = f.data["function"]
    obj = ctx.first("object:")
    if obj is not None:  # an actor's own object is its profile's (not one it uses via includes)
        out.setdefault("object", obj.data["object"])
    size = ctx.first("size:")
    if size is not None and "struct" not in out:
        out["struct"] = size.data["name"]
    sig = ctx.first("sig:")
    if sig is not None:
        out["function"] = sig.data["name"]
        if sig.data.get("file"):
            out["file"] = sig.data["file"]
    for f in ctx.of("offdiff:") + ctx.of("sizediff:") + ctx.of("sigdiff:"):
        out.setdefault("other_version", f.data["version"])
    for s in ctx.code:
        if s.role in OWN_ROLES and "file" not in out:
            out["file"] = s.file
    uses = ctx.code_of("use")
    if uses:
        out["callee"] = uses[0].data["callee"]
        out["user"] = uses[0].data["function"]
    coll = next((f for f in ctx.of("field:") if re.fullmatch(r"Collider\w+", (f.data.get("type") or "").strip())), None)
    if coll is not None:
        out["collider"] = f"{coll.data['struct']}.{coll.data['field']}"
    sfx = _played_sfx(ctx)
    if sfx:
        out["sfx"] = sfx
    _code_slots(ctx, out)
    font = ctx.first("soundfont:")
    if font is not None:
        out["font"] = font.data["name"]
        if font.data.get("programs"):
            out["programs"] = ", ".join(map(str, font.data["programs"]))
            out["top_program"] = str(max(font.data["programs"]))
        if font.data.get("gaps"):
            out["gap"] = str(font.data["gaps"][0])
    return out


_PARAMS = re.compile(r"\b(?:this|thisx)(?:->|\.)(?:\w+(?:->|\.))*params\b")


def _code_slots(ctx: Context, out: dict[str, str]) -> None:
    """Slots read from the target's own code, so scripted turns name what it really does:
    the member its functions are stored in and who stores them (``action_member``,
    ``action_setter``, ``action_fn``), the update's call through it (``action_call``), and
    how it reads its params (``params_expr``)."""
    assigned = ctx.code_of("assigned")
    if assigned:
        a = assigned[0]
        out["action_member"] = a.data.get("stored_in", "")
        out["action_setter"] = a.data.get("stored_by", "")
        out["action_fn"] = a.entity
        member = out["action_member"]
        for upd in ctx.code_of("update"):
            m = re.search(re.escape(member) + r"\((?:[^()]|\([^()]*\))*\)", upd.text)
            if m:
                out["action_call"] = m.group(0)
                break
    for s in own_code(ctx):
        m = _PARAMS.search(s.text)
        if m:
            out["params_expr"] = m.group(0)
            break
    # a thread the code creates: its entry function and its stack, with the stack's size
    stacks = {s.entity: s.data.get("size", "") for s in ctx.code_of("stackdecl")}
    where = {s.entity: s.where for s in ctx.code_of("stackdecl")}
    for s in own_code(ctx):
        for c in s.data.get("calls", []):
            args = c["args"]
            if c["name"] != "osCreateThread" or len(args) < 5:
                continue
            m = re.fullmatch(r"STACK_TOP\((\w+)\)", args[4])
            if m and m.group(1) in stacks and re.fullmatch(r"\w+", args[2]):
                out.update(
                    thread_entry=args[2],
                    thread_id=args[1],
                    thread_stack=m.group(1),
                    stack_size=stacks[m.group(1)],
                    stack_where=where[m.group(1)],
                )
                return


def _played_sfx(ctx: Context) -> str | None:
    for s in ctx.code:
        if s.role in OWN_ROLES + ("assigned",):
            for c in s.data.get("calls", []):
                for a in c["args"]:
                    if re.fullmatch(r"NA_SE_\w+", a):
                        return a
    return None


class _Strict(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def fill(template: str, values: dict[str, str]) -> str | None:
    """``template`` with its placeholders filled, or None when one is missing."""
    try:
        return string.Formatter().vformat(template, (), _Strict(values))
    except (KeyError, IndexError):
        return None


def usable(templates: list[str], values: dict[str, str]) -> list[str]:
    return [t for t in (fill(x, values) for x in templates) if t]


# -- requirements -----------------------------------------------------------------------------
def own_code(ctx: Context) -> list[Any]:
    return [s for s in ctx.code if s.role in OWN_ROLES]


def holds(need: str, ctx: Context, values: dict[str, str] | None = None) -> bool:
    what, _, arg = need.partition(":")
    if what == "fact":
        return ctx.first(arg) is not None
    if what == "code":
        return bool(ctx.code_of(arg))
    if what == "short":
        return any(len(s.lines()) <= 40 and not s.note for s in ctx.code_of(arg))
    if what == "calls":
        rx = re.compile(arg)
        return any(rx.fullmatch(c["name"]) for s in own_code(ctx) for c in s.data.get("calls", []))
    if what == "text":  # the code, not its comments ("double buffering" is no double)
        from generate.code.cscan import blank

        rx = re.compile(arg, re.M)
        return any(rx.search(blank(s.text)) for s in own_code(ctx))
    if what == "slot":
        return arg in (values if values is not None else slots(ctx))
    if what == "ifversions":
        return any(all(b["versions"] is not None for b in s.data["branches"]) for s in ctx.code_of("ifblock"))
    if what == "diffversions":
        return bool(split_blocks(ctx))
    raise ValueError(f"unknown requirement {need!r}")


def split_blocks(ctx: Context, versions: list[str] | None = None) -> list[Any]:
    """``#if`` blocks whose branches are compiled by different ingested versions."""
    out = []
    for s in ctx.code_of("ifblock"):
        br = s.data["branches"]
        if any(b["versions"] is None for b in br):
            continue
        if versions is None or any(
            (v in b["versions"]) != (w in b["versions"]) for b in br for v in versions for w in versions
        ):
            out.append(s)
    return out


def fits(s: Scenario, ctx: Context, values: dict[str, str]) -> bool:
    if ctx.target.kind not in s.targets:
        return False
    if not all(holds(n, ctx, values) for n in s.needs):
        return False
    return bool(usable([x for v in s.ask.values() for x in v], values))


@cache
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def passes_filter(row: Any, flt: dict[str, str]) -> bool:
    """Whether a target row (``generate.plan.TargetRow``) passes a scenario's
    ``target_filter`` (field -> regular expression)."""
    for key, rx in flt.items():
        if not _rx(rx).search(filter_field(key)(row) or ""):
            return False
    return True


# the row field each ``target_filter`` key reads; any other key reads ""
_FILTER_FIELDS: dict[str, Callable[[Any], str]] = {
    "name": attrgetter("key"),
    "file": attrgetter("file"),
    "category": attrgetter("detail"),
    "domain": attrgetter("detail"),
    "type": attrgetter("detail"),
}


def filter_field(key: str) -> Callable[[Any], str]:
    return _FILTER_FIELDS.get(key, _no_field)


def _no_field(row: Any) -> str:
    return ""
