"""A multi-turn debugging conversation: problem, clarifying question, a dead end, the fix,
and how to verify it."""

from __future__ import annotations

import random

from generate.context_util import plural
from generate.families.base import (
    PRIMITIVES,
    TYPE_RANGES,
    Draft,
    Family,
    cite,
    code,
    ctype_text,
    include_lines,
    pick,
    wrapper_call,
)
from generate.models import Context, Fact


class Debugging(Family):
    name = "debugging-conversation"
    title = "multi-turn debugging conversation"
    target_kinds = ("Function", "Struct", "Actor")
    min_turns = 8
    task = ("A multi-turn conversation: the user reports a bug; the assistant asks one "
            "clarifying question (e.g. the game version); the user answers; the assistant "
            "tries a first hypothesis that turns out to be a dead end; the user reports it did "
            "not help; the assistant finds the real cause from the facts and gives the fix; the "
            "user confirms; the assistant says how to verify it (at least 8 turns).")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        kind = ctx.target.kind
        if kind == "Struct":
            return _layout_bug(ctx, difficulty, rng)
        if kind == "Function":
            return _call_bug(ctx, difficulty, rng)
        return _actor_bug(ctx, difficulty, rng)


def _opening(d: Draft, problem: str, ctx: Context) -> Draft:
    d.user(problem)
    d.assistant("Before guessing: which game version are you building, and did it work in any "
                "other version?")
    return d.user(f"{ctx.version}. I haven't tried another one.")


def _layout_bug(ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
    # Members whose type can be returned as is (arrays decay to a pointer; no raw
    # function-pointer or bit-field spellings).
    fields = [f for f in ctx.of("field:") if f.data.get("position", 0) > 0
              and f.data.get("type") and "(" not in f.data["type"] and ":" not in f.data["type"]]
    size = ctx.first("size:")
    if not fields or size is None:
        return None
    fld = rng.choice(fields)
    s, m = fld.data["struct"], fld.data["field"]
    moved = [f for f in ctx.of(f"offdiff:{s}.{m}@")]
    d = _opening(Draft([]), pick(rng, [
        "My mod reads {s}.{m} through a hard-coded offset and gets garbage.",
        "Values I read from {s}'s `{m}` member look wrong in my patch."], s=s, m=m), ctx)
    d.assistant(f"First check the object itself is the right size: {size.text} If your "
                "pointer is to a smaller or different struct, every member read is off.", size)
    d.user("The pointer is right, it's a real " + s + ". Still wrong.")
    fix = f"Then it is the offset. {fld.text}{cite(fld)}"
    if moved:
        fix += " " + " ".join(f.text for f in moved[:2])
        fix += " A hard-coded offset copied from another version is wrong here."
    actor_struct = any(f.data.get("field") == "actor" and f.data.get("offset") == 0
                       for f in ctx.of(f"field:{s}."))
    pname = "this" if actor_struct else s[:1].lower() + s[1:]
    # A new name (Mod...) so the example never redefines a real decomp function.
    fn = f"Mod_Get{m[:1].upper() + m[1:]}" if s == "Actor" else f"{s}_ModGet{m[:1].upper() + m[1:]}"
    ftype = ctype_text(fld.data["type"])
    expr = f"{pname}->{m}"
    if "[" in ftype:  # an array decays to a pointer to its first element
        ret = ftype.split("[", 1)[0].strip() + "*"
    elif ftype.endswith("*") or ftype in PRIMITIVES or ftype in TYPE_RANGES:
        ret = ftype
    else:  # a struct member: hand out its address, not a copy
        ret, expr = ftype + "*", f"&{pname}->{m}"
    if (size.data.get("file") or "").endswith(".c"):
        # The struct is private to that file: only code in it can name the member.
        fix += (f" {s} is defined in {size.data['file']} itself, so only code in that file can "
                f"use it: read `{pname}->{m}` there instead of a raw offset.")
    else:
        header = include_lines([size.data.get("file") or ""])
        fix += (f" Use the member by name instead of a raw offset, so the compiler computes it "
                f"for {ctx.version}:\n\n" + code(f"{header}{ret} {fn}({s}* {pname}) {{\n"
                                                 f"    return {expr};\n}}"))
    d.assistant(fix, fld, *moved[:2])
    d.user("That fixed it.")
    verify = (f"To verify, check the layout the compiler sees: offsetof({s}, {m}) is "
              f"0x{fld.data['offset']:X} in {ctx.version}. Print or break on it once in a debug "
              "build; if a header change ever moves the member, that check tells you first.")
    if difficulty >= 3:
        verify += " Then rebuild and compare the value in a debugger at the same moment."
    return d.assistant(verify, fld)


def _call_bug(ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
    sig = ctx.first("sig:")
    if sig is None or not sig.data.get("in_version"):
        return None
    name = sig.data["name"]
    params = sig.data.get("params") or []
    if not params:
        return None
    versions = ctx.first("versions:")
    d = _opening(Draft([]), pick(rng, [
        "My call to {n} doesn't compile: too few arguments.",
        "GCC complains about my call to {n}: the argument types don't match."], n=name), ctx)
    dead = (f"Maybe the header isn't included, so {name} is implicitly declared. Make sure the file "
            "includes the header that declares it, then rebuild.")
    d.assistant(dead)
    d.user("It's included; same error.")
    fix = (f"Then the call itself disagrees with the declaration. {sig.text}{cite(sig)} "
           f"It takes {plural(len(params), 'argument')}: "
           + ", ".join(f"`{p['type']} {p['name']}`" for p in params) + ".")
    used: list[Fact] = [sig]
    wrapped = wrapper_call(sig, f"Mod_Call{name.replace('_', '')}")
    if wrapped:
        fix += " A call that matches it:\n\n" + code(wrapped)
    d.assistant(fix, *used)
    d.user("Compiles now, thanks.")
    verify = "Verify at run time too: step over the call in a debugger and check its effect."
    if versions is not None and difficulty >= 2:
        verify += f" {versions.text} If you port to another version, re-check the signature there."
        used.append(versions)
    return d.assistant(verify, *used)


def _actor_bug(ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
    actor = ctx.first("actor:")
    obj = ctx.first("object:")
    draw = next((f for f in ctx.of("profile:") if f.data.get("role") == "draw"), None)
    if actor is None or obj is None:
        return None
    enum = ctx.target.key
    d = _opening(Draft([]), pick(rng, [
        "I spawn {a} in my custom room but it never shows up.",
        "{a} is invisible (or missing) when I place it in my own scene."], a=enum), ctx)
    first = "Let's check it actually gets updated: "
    first += (f"{draw.text} If its draw function runs, the actor exists." if draw is not None
              else "put a breakpoint in its update function.")
    d.assistant(first, draw)
    d.user("The functions are fine, nothing changed there.")
    d.assistant(f"Then look at what it depends on. {obj.text} An actor whose object is not "
                "loaded in the room never spawns. Add that object to the room's object list "
                "(or the scene's), then spawn it again.", obj, actor)
    d.user("Adding the object fixed it!")
    return d.assistant(f"To verify, spawn it in a room without {obj.data['object']} and confirm "
                       f"it is missing, then with it and confirm it appears. {actor.text}", actor)
