"""Checking the names a named query is given before it runs: an unknown one is an error with
a did-you-mean, not an empty answer.

A query's header says which parameters name what (``// param: name str names actor --
...``); the kinds are defined here, each as the (label, property) pairs whose values the
queries accept and the spellings they also take (``En_Horse`` for ``ovl_En_Horse`` or
``ACTOR_EN_HORSE``). ``check(store, kind, value)`` is one cheap lookup when the name is
there; only a miss reads every name of the kind for the suggestions (``kg.names.NameList``).
A parameter left at a wildcard default (``any``, ``all``, ``*``) is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kg.names import NameList
from kg.schema import COVERABLE_KINDS

WILDCARDS = frozenset({"any", "all", "*"})


@dataclass(frozen=True)
class EntityKind:
    noun: str  # for messages: "actor", "version"
    pairs: tuple[tuple[str, str], ...] = ()  # (label, property) whose values name one
    forms: tuple[str, ...] = ("{}",)  # other spellings: "{}" the value, "{U}" it upper-cased
    fixed: tuple[str, ...] = ()  # a closed vocabulary instead of the graph's names

    def spellings(self, value: str) -> list[str]:
        return list(dict.fromkeys(f.format(value, U=value.upper()) for f in self.forms))


_SYMBOL_PAIRS = (
    ("Function", "name"),
    ("Struct", "name"),
    ("Field", "id"),
    ("Typedef", "name"),
    ("Enum", "name"),
    ("EnumConstant", "name"),
    ("Global", "name"),
    ("Global", "id"),
    ("LinkerSymbol", "name"),
    ("Define", "name"),
    ("Actor", "enum"),
    ("Object", "enum"),
    ("Scene", "enum"),
    ("Sequence", "enum"),
    ("Sfx", "enum"),
    ("EffectSs", "enum"),
    ("Entrance", "enum"),
    ("GameState", "enum"),
)

_ACTOR_PAIRS = (("Actor", "enum"), ("Actor", "debug_name"), ("Actor", "overlay"))
_ACTOR_FORMS = ("{}", "ovl_{}", "ACTOR_{U}")

KINDS: dict[str, EntityKind] = {
    "version": EntityKind("version", (("Version", "id"),)),
    "actor": EntityKind("actor", _ACTOR_PAIRS, _ACTOR_FORMS),
    "object": EntityKind("object", (("Object", "enum"), ("Object", "segment")), ("{}", "OBJECT_{U}")),
    "scene": EntityKind("scene", (("Scene", "enum"), ("Scene", "segment")), ("{}", "SCENE_{U}")),
    "function": EntityKind("function", (("Function", "name"),)),
    "struct": EntityKind("struct", (("Struct", "name"),)),
    "global": EntityKind("variable", (("Global", "id"), ("Global", "name"))),
    "segment": EntityKind("segment", (("Segment", "name"),)),
    "sequence": EntityKind("sequence", (("Sequence", "enum"),)),
    "sfx": EntityKind("sound effect", (("Sfx", "enum"),)),
    "concept": EntityKind("concept", (("Concept", "id"),)),
    "addressable": EntityKind(
        "function, variable, linker symbol or segment",
        (("Function", "name"), ("Global", "name"), ("Global", "id"), ("LinkerSymbol", "name"), ("Segment", "name")),
    ),
    "symbol": EntityKind("symbol", _SYMBOL_PAIRS),
    # every kind a concept may cover (a test keeps COVERS and this vocabulary equal)
    "node_kind": EntityKind("kind", fixed=COVERABLE_KINDS),
    "file_status": EntityKind("status", fixed=("included", "other-versions", "not-built", "unexplained", "missing")),
    "file": EntityKind("file", (("File", "path"),)),
    "definition": EntityKind(
        "function, struct or variable", (("Function", "name"), ("Struct", "name"), ("Global", "name"))
    ),
    "pattern": EntityKind("pattern", (("Pattern", "id"),)),
    "actor_or_function": EntityKind("actor or function", (*_ACTOR_PAIRS, ("Function", "name")), _ACTOR_FORMS),
    "category": EntityKind("actor category", (("Actor", "category"),)),
}


@dataclass
class NameProblem:
    param: str
    value: str
    kind: EntityKind
    suggestions: list[str] = field(default_factory=list)
    empty: bool = False  # the graph has no name of this kind at all

    def message(self) -> str:
        if self.empty:
            return (
                f"{self.param}={self.value}: the graph has no {self.kind.noun} at all (was "
                "it ingested? `ootkg stats` shows what the graph holds)."
            )
        hint = f" Did you mean {', '.join(self.suggestions)}?" if self.suggestions else " (no close name either)"
        return f"{self.param}={self.value}: the graph has no {self.kind.noun} named so.{hint}"


def _found(store: Any, kind: EntityKind, value: str) -> bool:
    values = kind.spellings(value)
    for label, prop in kind.pairs:
        rows = store.run(
            f"MATCH (n:{label}) WHERE n.{prop} IN $values RETURN n.{prop} AS name LIMIT 1", {"values": values}
        )
        if rows:
            return True
    return False


def _all_names(store: Any, kind: EntityKind) -> set[str]:
    out: set[str] = set()
    for label, prop in kind.pairs:
        out.update(r["name"] for r in store.run(f"MATCH (n:{label}) RETURN n.{prop} AS name") if r["name"] is not None)
    return out


def check(store: Any, param: str, kind_name: str, value: Any) -> NameProblem | None:
    """None when ``value`` names a ``kind_name`` the graph has (or the query accepts)."""
    kind = KINDS[kind_name]
    text = str(value)
    if kind.fixed:
        if text in kind.fixed:
            return None
        return NameProblem(param, text, kind, NameList(set(kind.fixed)).suggest(text, prefix=True))
    if _found(store, kind, text):
        return None
    names = _all_names(store, kind)
    if not names:
        return NameProblem(param, text, kind, empty=True)
    nl = NameList(names)
    sugg = nl.suggest(text, prefix=True)
    for other in kind.spellings(text)[1:]:  # en_hors: ACTOR_EN_HORS is close to ACTOR_EN_HORSE
        if sugg:
            break
        sugg = nl.suggest(other, prefix=True)
    return NameProblem(param, text, kind, sugg[:3])
