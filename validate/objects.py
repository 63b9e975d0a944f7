"""Level 2: an actor that draws an object's assets must have that object loaded.

The graph's USES_OBJECT edges (profile object, object headers the actor includes,
runtime ``Object_GetSlot`` requests) say what an existing actor has; a new actor in
a snippet has its profile's object and the slots it requests itself. ``gameplay_keep``
and the other keep objects are always loaded.
"""

from __future__ import annotations

import re

from validate.clex import Lines
from validate.extract import CodeBlock
from validate.index import SymbolIndex
from validate.models import Issue
from validate.scope import Scope

_PROFILE = re.compile(r"ActorProfile\s+(\w+)\s*=\s*\{([^{}]*)\}\s*;")
_GETSLOT = re.compile(r"Object_(?:GetSlot|SpawnPersistent|Spawn)\s*\(([^,;]{0,300}),\s*(OBJECT_\w+)")
_COMMENTS = re.compile(r"/\*.*?(?:\*/|\Z)|//[^\n]*", re.S)
_ASSET = re.compile(r"\b(g[A-Z]\w+)\b")
_KEEP = re.compile(r"^OBJECT_GAMEPLAY_\w*KEEP$")


def profile_fields(code: str) -> list[tuple[str, list[str], int]]:
    """(profile name, its initializer entries, line) for each ActorProfile in the code."""
    out: list[tuple[str, list[str], int]] = []
    if "ActorProfile" not in code:
        return out
    lines = Lines(code)
    for m in _PROFILE.finditer(code):
        body = _COMMENTS.sub("", m.group(2))
        entries = [e.strip() for e in body.split(",")]
        if entries and not entries[-1]:
            entries.pop()
        out.append((m.group(1), entries, lines.at(m.start())))
    return out


def check_object_deps(scope: Scope, blocks: list[CodeBlock], idx: SymbolIndex,
                      issues: list[Issue], counts: dict[str, int]) -> None:
    if not idx.assets:
        return
    codes = [b.code for b in blocks]
    requested: set[str] = set()
    profile_actor = None
    for code in codes:
        if "Object_" in code:
            requested.update(m.group(2) for m in _GETSLOT.finditer(code))
        for _name, entries, line in profile_fields(code):
            if len(entries) >= 4 and entries[3].startswith("OBJECT_"):
                requested.add(entries[3])
            if entries and entries[0] in idx.actors:
                profile_actor = idx.actors[entries[0]]
                _check_profile(profile_actor, entries, idx, issues, line)
    actor = profile_actor or scope.actor
    if actor is None and not requested:
        return
    have = set(requested)
    if actor is not None and (profile_actor is not None or not requested):
        have |= actor.objects | ({actor.object} if actor.object else set())
    for bi, code in enumerate(codes):
        lines = Lines(code)
        for m in _ASSET.finditer(code):
            obj = idx.assets.get(m.group(1))
            if obj is None:
                continue
            counts["ids"] += 1
            if obj in have or _KEEP.match(obj):
                continue
            who = actor.enum if actor else "this actor"
            issues.append(Issue(
                code="missing-object-dependency", level=2, symbol=m.group(1),
                message=f"{m.group(1)} is in {obj}, which {who} does not load "
                f"(it has {', '.join(sorted(have)) or 'no objects'}): request it with "
                f"Object_GetSlot(&play->objectCtx, {obj}) or use that object in the profile",
                message_index=blocks[bi].message_index, line=lines.at(m.start()),
                block=blocks[bi].block_index,
                suggestions=[obj]))


def _check_profile(actor, entries: list[str], idx: SymbolIndex, issues: list[Issue],
                   line: int) -> None:
    if len(entries) >= 5:
        m = re.match(r"sizeof\s*\(\s*(\w+)\s*\)", entries[4])
        if m and actor.instance_struct and m.group(1) != actor.instance_struct \
                and m.group(1) in idx.structs:
            issues.append(Issue(
                code="wrong-size", level=2, symbol=actor.enum,
                message=f"{actor.enum}'s instance is {actor.instance_struct}, not {m.group(1)}",
                line=line, suggestions=[f"sizeof({actor.instance_struct})"]))
