"""What each actor does, as items the pattern miner counts (``ingest.patterns.mine``).

An actor's code is the functions of its overlay directory (of its file, for an actor linked
into ``code``). Its *roles* are its profile functions (init, destroy, update, draw), the
functions it stores in a field of its instance struct at run time (``this->actionFunc = ...``:
role ``action``), and those it stores in ``Actor.update``/``Actor.draw``. A role's calls
include those of the actor's own helpers the role function reaches (depth 3), so
``EnX_Init -> EnX_InitCollider -> Collider_InitCylinder`` counts as init calling
``Collider_InitCylinder``.

Items (``Item`` keys):

    ("call", role, callee)          a role reaches a call of a function defined elsewhere
    ("pass", role, callee, param)   a role passes one of the actor's functions to one
    ("assign", role, field)         a role stores a function in a field ("this.<member>" for
                                    the instance struct, else "Struct.member")
    ("data", "", type)              the actor defines a static of that type with an initializer

Each item an actor has comes with where (``Occurrence``: function, file, lines, the verbatim
text of the statement or initializer) and in which versions. Everything here is a pure
function of graph facts, so the C delta can recompute one actor's items from the facts it
re-assembles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from kg.facts import Facts

Item = tuple[str, ...]
ROLE_ORDER = {"": 0, "init": 1, "update": 2, "action": 3, "draw": 4, "destroy": 5}
PROFILE_ROLES = ("init", "destroy", "update", "draw")
MAX_DEPTH = 3
MAX_DATA_LINES = 40
MAX_STATEMENT_LINES = 8
_ARRAY = re.compile(r"\s*\[[^\]]*\]")


@dataclass(frozen=True)
class Occurrence:
    function: str  # the function (or static) where the item is
    file: str
    line: int
    end_line: int
    text: str  # lines line..end_line of file, as written
    versions: tuple[str, ...]


@dataclass
class ActorItems:
    actor: str
    category: str | None
    file: str
    versions: tuple[str, ...]
    items: dict[Item, Occurrence] = field(default_factory=dict)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> functions


def actor_scope(file: str) -> str:
    """What counts as an actor's own code: its overlay directory, else its file."""
    if file.startswith("src/overlays/"):
        return file.rsplit("/", 1)[0] + "/"
    return file


def in_scope(scope: str, file: str | None) -> bool:
    if not file:
        return False
    return file.startswith(scope) if scope.endswith("/") else file == scope


def plain_type(t: str) -> str:
    """A static's type without qualifiers and array bounds (``ColliderJntSphElementInit``)."""
    t = _ARRAY.sub("", t)
    return " ".join(
        w for w in t.replace("*", " * ").split() if w not in ("const", "static", "volatile", "struct")
    ).replace(" *", "*")


class _Graph:
    """The facts the items need, indexed once per call of ``actor_items``."""

    def __init__(self, facts: Facts) -> None:
        self.fns = facts.nodes.get("Function", {})
        self.globals = facts.nodes.get("Global", {})
        self.calls: dict[str, list[tuple[str, int | None, tuple[str, ...]]]] = defaultdict(list)
        self.passes: dict[str, list[tuple]] = defaultdict(list)
        self.assigns: dict[str, list[tuple]] = defaultdict(list)  # setter -> its stores
        self.profile: dict[str, dict[str, str]] = defaultdict(dict)
        self.versions: dict[tuple[str, str], tuple[str, ...]] = {}
        t = facts.rels.get("CALLS")
        if t is not None:
            li, vi = t.col("line"), t.col("versions")
            for f, callee, _, vals in t.pair_rows("Function", "Function"):
                self.calls[f].append((callee, vals[li], vals[vi] or ()))
        t = facts.rels.get("PASSES")
        if t is not None:
            ci, pi, li, vi = t.col("callee"), t.col("param"), t.col("line"), t.col("versions")
            for f, fn, _, vals in t.pair_rows("Function", "Function"):
                self.passes[f].append((fn, vals[ci], vals[pi], vals[li], vals[vi] or ()))
        t = facts.rels.get("ASSIGNS")
        if t is not None:
            fi, si, li, vi = t.col("field"), t.col("struct"), t.col("line"), t.col("versions")
            for f, fn, _, vals in t.pair_rows("Function", "Function"):
                self.assigns[f].append((fn, vals[fi], vals[si], vals[li], vals[vi] or ()))
        t = facts.rels.get("PROFILE_FN")
        if t is not None:
            ri = t.col("role")
            for a, fn, _, vals in t.pair_rows("Actor", "Function"):
                self.profile[a][vals[ri]] = fn
        t = facts.rels.get("IN_VERSION")
        if t is not None:
            for kind in ("Actor", "Global"):
                acc: dict[str, list[str]] = defaultdict(list)
                for f, v, _, _ in t.pair_rows(kind, "Version"):
                    acc[f].append(v)
                for f, vs in acc.items():
                    self.versions[(kind, f)] = tuple(sorted(vs))

    def statics(self, scope: str) -> list[tuple[str, dict]]:
        """The file-local globals of a scope (by key: ``file:name``), in key order."""
        if not hasattr(self, "_statics"):
            acc: dict[str, list[tuple[str, dict]]] = defaultdict(list)
            for key, row in sorted(self.globals.items()):
                f = row.get("file")
                if row.get("static") and f:
                    acc[actor_scope(f)].append((key, row))
                    if actor_scope(f) != f:
                        acc[f].append((key, row))
            self._statics = acc
        return self._statics.get(scope, [])

    def statement(self, fn: str, line: int | None) -> tuple[int, int, str] | None:
        """The lines of the statement that starts on ``line`` in ``fn``'s source: up to the
        line that ends it (``;``, ``{`` or ``}``), at most MAX_STATEMENT_LINES."""
        row = self.fns.get(fn) or {}
        src, first = row.get("source"), row.get("start_line")
        if src is None or first is None or line is None:
            return None
        lines = src.split("\n")
        i = line - first
        if not 0 <= i < len(lines):
            return None
        j = i
        while j < len(lines) - 1 and j - i < MAX_STATEMENT_LINES - 1:
            tail = lines[j].split("//", 1)[0].rstrip()
            if tail.endswith((";", "{", "}")):
                break
            j += 1
        return line, first + j, "\n".join(lines[i : j + 1])


def actor_items(
    facts: Facts, actors: set[str] | None = None, types: dict[str, str] | None = None
) -> dict[str, ActorItems]:
    """The items of every actor of ``facts`` (of those named in ``actors``). ``types``: the
    struct (and union) names a data item's type must be one of (default: those of
    ``facts``); statics of other types (``s32``, ``Gfx*``) are not data shapes."""
    g = _Graph(facts)
    if types is None:
        types = dict.fromkeys(facts.nodes.get("Struct", {}), "Struct")
    by_scope: dict[str, set[str]] = defaultdict(set)
    for name, row in g.fns.items():
        f = row.get("file")
        if f and row.get("defined"):
            by_scope[actor_scope(f)].add(name)
            by_scope[f].add(name)
    out: dict[str, ActorItems] = {}
    for enum, arow in facts.nodes.get("Actor", {}).items():
        if actors is not None and enum not in actors:
            continue
        file = arow.get("file")
        if not file:
            continue
        scope = actor_scope(file)
        own = by_scope.get(scope, set())
        ai = ActorItems(enum, arow.get("category"), file, g.versions.get(("Actor", enum), ()))
        roles: dict[str, set[str]] = defaultdict(set)
        for role, fn in g.profile.get(enum, {}).items():
            if fn in own:
                roles[role].add(fn)
        inst = arow.get("instance_struct")
        for setter in sorted(own):
            for fn, fkey, struct, _line, _vs in g.assigns.get(setter, ()):
                if fn not in own:
                    continue
                if fkey in ("Actor.update", "Actor.draw"):
                    roles[fkey.split(".")[1]].add(fn)
                elif struct and struct == inst:
                    roles["action"].add(fn)
        ai.roles = {r: tuple(sorted(fns)) for r, fns in roles.items()}
        for role in sorted(roles, key=lambda r: ROLE_ORDER.get(r, 9)):
            for fn in _closure(g, sorted(roles[role]), own):
                _role_items(g, ai, role, fn, own, inst)
        _data_items(g, ai, scope, types)
        out[enum] = ai
    return out


def _closure(g: _Graph, starts: list[str], own: set[str]) -> list[str]:
    """``starts`` and the actor's functions they reach through calls, depth MAX_DEPTH, in
    the order reached (role functions first, then their helpers by call line)."""
    seen: dict[str, None] = dict.fromkeys(starts)
    frontier = list(starts)
    for _ in range(MAX_DEPTH):
        nxt = []
        for fn in frontier:
            for callee, _line, _vs in sorted(g.calls.get(fn, ()), key=lambda c: c[1] or 0):
                if callee in own and callee not in seen:
                    seen[callee] = None
                    nxt.append(callee)
        frontier = nxt
    return list(seen)


def _put(ai: ActorItems, item: Item, occ: Occurrence) -> None:
    """Keep an item's first occurrence (role functions come before their helpers)."""
    if item not in ai.items:
        ai.items[item] = occ


def _occ(g: _Graph, fn: str, line: int | None, versions: tuple[str, ...]) -> Occurrence | None:
    st = g.statement(fn, line)
    if st is None:
        return None
    return Occurrence(fn, g.fns[fn].get("file") or "", st[0], st[1], st[2], tuple(versions))


def _role_items(g: _Graph, ai: ActorItems, role: str, fn: str, own: set[str], inst: str | None) -> None:
    for callee, line, vs in sorted(g.calls.get(fn, ()), key=lambda c: c[1] or 0):
        if callee in own:
            continue
        occ = _occ(g, fn, line, vs)
        if occ is not None:
            _put(ai, ("call", role, callee), occ)
    for target, callee, param, line, vs in g.passes.get(fn, ()):
        if not callee or callee in own or target not in own:
            continue
        occ = _occ(g, fn, line, vs)
        if occ is not None:
            _put(ai, ("pass", role, callee, param or ""), occ)
    for target, fkey, struct, line, vs in g.assigns.get(fn, ()):
        if target not in own:
            continue
        name = f"this.{fkey.split('.', 1)[1]}" if struct and struct == inst else fkey
        occ = _occ(g, fn, line, vs)
        if occ is not None:
            _put(ai, ("assign", role, name), occ)


def _data_items(g: _Graph, ai: ActorItems, scope: str, types: dict[str, str]) -> None:
    for key, row in g.statics(scope):
        text, first, t = row.get("initializer"), row.get("start_line"), row.get("type")
        if text is None or first is None or not t or plain_type(t) not in types:
            continue
        lines = text.split("\n")[:MAX_DATA_LINES]
        occ = Occurrence(
            key, row["file"], first, first + len(lines) - 1, "\n".join(lines), g.versions.get(("Global", key), ())
        )
        _put(ai, ("data", "", plain_type(t)), occ)


def describe_item(item: Item) -> str:
    kind = item[0]
    if kind == "call":
        return f"{item[1]}: calls {item[2]}"
    if kind == "pass":
        return f"{item[1]}: passes a callback to {item[2]} ({item[3] or 'an argument'})"
    if kind == "assign":
        return f"{item[1]}: stores a function in {item[2]}"
    return f"static {item[2]} with an initializer"


def item_key(item: Item) -> str:
    return ":".join(item)


def parse_item(key: str) -> Item:
    return tuple(key.split(":"))
