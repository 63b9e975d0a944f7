"""Level 2: an actor that draws an object's assets must have that object loaded.

The graph's USES_OBJECT edges (profile object, object headers the actor includes,
runtime ``Object_GetSlot`` requests) say what an existing actor has; a new actor in
a snippet has its profile's object and the slots it requests itself. ``gameplay_keep``
and the other keep objects are always loaded.
"""

from __future__ import annotations

import posixpath
import re

from validate import rules
from validate.clex import Lines
from validate.extract import CodeBlock
from validate.index import SymbolIndex
from validate.models import Issue
from validate.scope import Scope

_PROFILE = re.compile(r"ActorProfile\s++(\w++)\s*+=\s*+\{")
_CLOSE = re.compile(r"\}\s*+;")
_OBJECT_NAME = re.compile(r"\bOBJECT_\w++")
_ASSET = re.compile(r"\b(g[A-Z]\w+)\b")
_KEEP = re.compile(r"^OBJECT_GAMEPLAY_\w*KEEP$")


def _strip_comments(s: str) -> str:
    out: list[str] = []
    pos = 0
    while True:
        a, b = s.find("/*", pos), s.find("//", pos)
        if a < 0 and b < 0:
            return "".join(out) + s[pos:]
        if b >= 0 and (a < 0 or b < a):
            out.append(s[pos:b])
            nl = s.find("\n", b)
            pos = len(s) if nl < 0 else nl
        else:
            out.append(s[pos:a])
            end = s.find("*/", a + 2)
            pos = len(s) if end < 0 else end + 2


def profile_fields(code: str) -> list[tuple[str, list[str], int]]:
    """(profile name, its initializer entries, line) for each ActorProfile in the code. One
    pass: each profile's body ends at the first ``};`` after it (none: no more profiles)."""
    out: list[tuple[str, list[str], int]] = []
    if "ActorProfile" not in code:
        return out
    lines = Lines(code)
    pos = 0
    while True:
        m = _PROFILE.search(code, pos)
        if m is None:
            break
        c = _CLOSE.search(code, m.end())
        if c is None:
            break
        body = _strip_comments(code[m.end() : c.start()])
        entries = [e.strip() for e in body.split(",")]
        if entries and not entries[-1]:
            entries.pop()
        out.append((m.group(1), entries, lines.at(m.start())))
        pos = c.end()
    return out


def check_object_deps(
    scope: Scope, blocks: list[CodeBlock], idx: SymbolIndex, issues: list[Issue], counts: dict[str, int]
) -> None:
    if not idx.assets:
        return
    codes = [b.code for b in blocks]
    requested: set[str] = set()
    profile_actor = None
    for code in codes:
        if "OBJECT_" in code:
            # an object the code names (a request, a table of them, a header's include) may be
            # loaded at run time: only assets of objects it never names need a dependency
            requested.update(_OBJECT_NAME.findall(code))
        for _name, entries, line in profile_fields(code):
            if len(entries) >= 4 and entries[3].startswith("OBJECT_"):
                requested.add(entries[3])
            if entries and entries[0] in idx.actors:
                profile_actor = idx.actors[entries[0]]
                _check_profile(profile_actor, entries, idx, issues, line)
    for inc in scope.includes:  # an object's header: the code's use of it (as ingest counts it)
        if inc.startswith("assets/objects/"):
            name = posixpath.basename(inc)[:-2].upper()
            if name in idx.domain.get("Object", {}):
                requested.add(name)
    actor = profile_actor or scope.actor
    if actor is None and not requested:
        return
    have = set(requested)
    if actor is not None:
        have |= actor.objects | ({actor.object} if actor.object else set())
    for bi, code in enumerate(codes):
        lines = Lines(code)
        for m in _ASSET.finditer(code):
            obj = idx.assets.get(m.group(1))
            if obj is None:
                continue
            counts["ids"] += 1
            seg = idx.object_segments.get(obj)
            if (
                obj in have
                or _KEEP.match(obj)
                or (seg is not None and seg in {idx.object_segments.get(o) for o in have})
            ):
                continue  # two table entries may share an object file (object_md)
            who = actor.enum if actor else "this actor"
            issues.append(
                rules.issue(
                    rules.MISSING_OBJECT_DEPENDENCY,
                    symbol=m.group(1),
                    message=f"{m.group(1)} is in {obj}, which {who} does not load "
                    f"(it has {', '.join(sorted(have)) or 'no objects'}): request it with "
                    f"Object_GetSlot(&play->objectCtx, {obj}) or use that object in the profile",
                    message_index=blocks[bi].message_index,
                    line=lines.at(m.start()),
                    block=blocks[bi].block_index,
                    suggestions=[obj],
                )
            )


def _check_profile(actor, entries: list[str], idx: SymbolIndex, issues: list[Issue], line: int) -> None:
    if len(entries) >= 5:
        m = re.match(r"sizeof\s*\(\s*(\w+)\s*\)", entries[4])
        owner = idx.actor_by_struct(m.group(1)) if m else None
        if owner is not None and owner.profile_id_enum == actor.enum:
            return  # a profile naming another actor's id (a decomp quirk the graph records)
        if m and actor.instance_struct and m.group(1) != actor.instance_struct and m.group(1) in idx.structs:
            issues.append(
                rules.issue(
                    rules.WRONG_SIZE,
                    symbol=actor.enum,
                    message=f"{actor.enum}'s instance is {actor.instance_struct}, not {m.group(1)}",
                    line=line,
                    suggestions=[f"sizeof({actor.instance_struct})"],
                )
            )
