"""Which actor an example is about: from the strongest evidence its code gives (its own
header included by a bare relative path, its profile's ``sizeof``, the functions it defines,
``EnHorse* this``), then the prose, then weaker mentions in the code (a pointer to another
actor, a spawned one), which do not type ``this`` (``Scope.actor_weak``)."""

from __future__ import annotations

import posixpath
import re

from validate.index import ActorInfo, SymbolIndex
from validate.scope import Scope

_ACTOR_ENUM = re.compile(r"\bACTOR_[A-Z0-9_]+\b")
# linear: possessive runs that cannot overlap what follows them
_ACTOR_STRUCT = re.compile(r"(?<!\()\b([A-Z][a-z]++[A-Z][A-Za-z0-9]*+)(?:_[A-Z]|\s*+\*)")
_ACTOR_CALL = re.compile(r"\b([A-Z][a-z]++[A-Z][A-Za-z0-9]*+)_\w++\s*+\(")
_THIS_DECL = re.compile(r"\b([A-Z]\w*+)\s*+\*\s*+this\b")
_PROFILE = re.compile(r"ActorProfile\s++\w++\s*+=\s*+\{")
_SIZEOF = re.compile(r"sizeof\s*+\(\s*+(\w++)")


def find_actor(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    """The actor an example is about, from the strongest evidence its code gives: the actor
    header it includes by its own relative path, its profile's ``sizeof``, the prefix of the
    functions it defines, its instance struct or an ACTOR_ enum it names; then the prose."""
    for evidence in _EVIDENCE:
        a = evidence(scope, codes, prose, idx)
        if a is not None:
            return a
    return None


def _by_struct(idx: SymbolIndex) -> dict[str, ActorInfo]:
    """Actors by instance struct (of actors sharing one, Player: ACTOR_PLAYER and
    ACTOR_EN_TORCH2, the namesake)."""
    by_struct = idx.memo.get("actor_by_struct")
    if by_struct is None:
        by_struct = {}
        for a in idx.actors.values():
            s = a.instance_struct
            if s and (s not in by_struct or a.enum[6:].replace("_", "") == s.upper()):
                by_struct[s] = a
        idx.memo["actor_by_struct"] = by_struct
    return by_struct


def _own_header(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    """``#include "z_en_horse.h"``: its own header, by the relative path it uses."""
    memo = idx.memo.get("actor_by_header")
    if memo is None:
        memo = idx.memo["actor_by_header"] = {
            posixpath.basename(a.file)[:-2] + ".h": a for a in idx.actors.values() if a.file and a.file.endswith(".c")
        }
    for inc in scope.includes:
        a = memo.get(inc)
        if a is not None:
            return a
    return None


def _profile_sizeof(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    for code in codes:
        if "ActorProfile" in code:
            m = _PROFILE.search(code)  # the profile's body up to its closing brace
            end = code.find("}", m.end()) if m else -1
            sm = _SIZEOF.search(code, m.end(), end) if m and end > 0 else None
            if sm:
                a = idx.actor_by_struct(sm.group(1))
                if a is not None:
                    return a
    return None


def _defined_in_its_file(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    """Functions the graph places in an actor's file (EnTorch2_Init)."""
    if not scope.defined_funcs:
        return None
    from validate.relfacts import facts_for

    by_file = idx.memo.get("actor_by_file")
    if by_file is None:
        by_file = idx.memo["actor_by_file"] = {a.file: a for a in idx.actors.values() if a.file}
    file_of = facts_for(idx).file_of
    for fn in scope.defined_funcs:
        a = by_file.get(file_of.get(fn, ""))
        if a is not None:
            return a
    return None


def _this_decl(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    """``EnHorse* this``: the snippet says whose ``this`` it has."""
    by_struct = _by_struct(idx)
    for code in codes:
        if "this" in code:
            for m in _THIS_DECL.finditer(code):
                a = by_struct.get(m.group(1))
                if a:
                    return a
    return None


def _defined_prefix(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    """The actor whose functions the code defines (EnHorse_Init, EnHorse_Wait...)."""
    by_struct = _by_struct(idx)
    prefixes: dict[str, int] = {}
    for fn in scope.defined_funcs:
        head = fn.split("_", 1)[0]
        if head in by_struct:
            prefixes[head] = prefixes.get(head, 0) + 1
    if prefixes:
        return by_struct[max(prefixes, key=lambda k: prefixes[k])]
    return None


def _prose_enum(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    for m in _ACTOR_ENUM.finditer(prose):
        a = idx.actors.get(m.group())
        if a:
            return a
    return None


def _called(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    """A function of an actor called in the code (or named in the prose)."""
    by_struct = _by_struct(idx)
    for text in (*codes, prose):
        for m in _ACTOR_CALL.finditer(text):
            a = by_struct.get(m.group(1))
            if a:
                return a
    return None


def _weak_mention(scope: Scope, codes: list[str], prose: str, idx: SymbolIndex) -> ActorInfo | None:
    """The weakest evidence (a pointer to another actor, an actor spawned): the actor, but
    not enough to type ``this``."""
    by_struct = _by_struct(idx)
    for text in (*codes, prose):
        for m in _ACTOR_STRUCT.finditer(text):
            a = by_struct.get(m.group(1))
            if a:
                scope.actor_weak = True
                return a
        for m in _ACTOR_ENUM.finditer(text):
            a = idx.actors.get(m.group())
            if a:
                scope.actor_weak = True
                return a
    return None


# the evidence for the actor, strongest first: the first that names one decides
_EVIDENCE = (
    _own_header,
    _profile_sizeof,
    _defined_in_its_file,
    _this_decl,
    _defined_prefix,
    _prose_enum,
    _called,
    _weak_mention,
)
