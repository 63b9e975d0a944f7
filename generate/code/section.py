"""The code section of a context: what an expert reads before answering about a target.

For an actor: its profile (the ``ActorProfile`` initializer), init/update/draw/destroy
bodies, the instance struct's definition, its static data (collider inits...), the
functions it stores in fields at run time (``this->actionFunc = X``), its table and
spec entries, the ``#if`` blocks of its code with the versions of each branch, and one
similar actor's init as an exemplar. For a function: its body, its callees' and
callers' code. For table-defined things (sound effects, sequences, scenes, objects,
segments): their table or spec entry and the code that uses them. Ranked by
``priority`` and cut to a token budget when rendered for a model; offline recipes
pick snippets by role.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

from generate.code import CodeProvider, CodeSnippet
from generate.code.cscan import Source, assignments
from generate.context_util import FONT_LOADERS, tokens_of

MAX_EXCERPT = 16
# Static data worth showing with an actor: how its collision, damage and init values are set.
_DATA_TYPES = re.compile(
    r"Collider\w*Init|InitChainEntry|DamageTable|CollisionCheckInfoInit|"
    r"AnimationInfo|EffectBlureInit"
)


class CodeSection:
    def __init__(self, provider: CodeProvider, q: Any) -> None:
        self.p = provider
        self.q = q
        self._fn: dict[tuple[str, str, bool], CodeSnippet | None] = {}
        self._callee_sets: dict[str, frozenset[str]] = {}
        self._peer_cache: dict[str | None, list[tuple[str, frozenset[str]]]] = {}

    # -- lookups ---------------------------------------------------------------------------
    def function(self, name: str, version: str, *, whole: bool = False) -> CodeSnippet | None:
        """A function's code (cut when long, unless ``whole``: evidence is searched in all of
        it)."""
        key = (name, version, whole)
        if key not in self._fn:
            rows = self.q.run("context_function", name=name, version=version)
            r = rows[0] if rows else {}
            snip = self.p.function(name, r.get("file"), r.get("line"), whole=whole)
            self._fn[key] = snip
            if len(self._fn) > 4096:
                self._fn.pop(next(iter(self._fn)))
        snip = self._fn[key]
        # callers change the copy's role, id, priority and add data keys; nested data (the
        # calls list) is only read, so a shallow copy of data is enough
        return snip.model_copy(update={"data": dict(snip.data)}) if snip is not None else None

    def excerpt(self, snip: CodeSnippet, pattern: str, role: str = "evidence") -> CodeSnippet | None:
        """The statement (or block) of ``snip`` whose first line matches ``pattern``."""
        rx = re.compile(pattern)
        lines = snip.lines()
        for i, line in enumerate(lines):
            if not rx.search(line):
                continue
            src = Source(snip.file, "\n".join(lines))
            first = i + 1
            opened = src.masked.split("\n")[i]
            if opened.count("{") > opened.count("}"):
                end = src._match(src.pos(first) + opened.index("{"))
                last = src.line_of(end) if end is not None else first
            else:
                ext = src.initializer_extent(first)
                last = ext[1] if ext else first
            last = min(last, first + MAX_EXCERPT - 1)
            text = "\n".join(lines[first - 1 : last])
            return CodeSnippet(
                id=f"code:ev:{snip.entity}:{snip.first + i}",
                role=role,
                entity=snip.entity,
                kind=snip.kind,
                file=snip.file,
                first=snip.first + i,
                last=snip.first + last - 1,
                text=text,
                provenance=snip.provenance,
            )
        return None

    @cached_property
    def _profiles(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for r in self.q.bulk("context_all_actor_profiles"):
            a = out.setdefault(r["enum"], {"category": r.get("category"), "roles": {}})
            a["roles"][r["role"]] = r["function"]
        return out

    def _callees(self, fn: str) -> frozenset[str]:
        """What a profile function calls (one bulk query for every actor's profile)."""
        if not self._callee_sets:
            sets: dict[str, set[str]] = {}
            for r in self.q.bulk("context_all_profile_callees"):
                sets.setdefault(r["function"], set()).add(r["callee"])
            self._callee_sets = {k: frozenset(v) for k, v in sets.items()}
            self._callee_sets.setdefault("", frozenset())
        return self._callee_sets.get(fn, frozenset())

    def _peers(self, category: str | None) -> list[tuple[str, frozenset[str]]]:
        """Actors of a category that have an init, with what their init and update call."""
        got = self._peer_cache.get(category)
        if got is None:
            got = self._peer_cache[category] = [
                (other, self._callees(a["roles"]["init"]) | self._callees(a["roles"].get("update", "")))
                for other, a in self._profiles.items()
                if a["category"] == category and "init" in a["roles"]
            ]
        return got

    def exemplar(self, enum: str, version: str) -> CodeSnippet | None:
        """A similar actor's init: same category, most profile-function callees in common."""
        me = self._profiles.get(enum)
        if not me:
            return None
        if hasattr(self.p, "similar"):
            for r in self.p.similar(enum):
                fn = self._profiles.get(r["actor"], {}).get("roles", {}).get("init")
                snip = self.function(fn, version) if fn else None
                if snip is None:
                    continue
                snip.role, snip.id, snip.priority = "exemplar", f"code:exemplar:{fn}", 40
                snip.data.update(
                    actor=r["actor"], shared=list(r["patterns"] or []), same_category=bool(r["same_category"])
                )
                snip.note = f"similar actor {r['actor']}: {r['shared']} patterns in common" + (
                    ", same category" if r["same_category"] else ""
                )
                return snip
        mine = set().union(*(self._callees(f) for f in me["roles"].values()))
        best: tuple[float, str] | None = None
        for other, theirs in self._peers(me["category"]):
            if other == enum:
                continue
            score = len(mine & theirs) / (len(mine | theirs) or 1)
            if best is None or (score, other) > best:
                best = (score, other)
        if best is None or best[0] == 0:
            return None
        fn = self._profiles[best[1]]["roles"]["init"]
        snip = self.function(fn, version)
        if snip is None:
            return None
        snip.role, snip.id, snip.priority = "exemplar", f"code:exemplar:{fn}", 40
        snip.data["actor"] = best[1]
        snip.data["similarity"] = round(best[0], 2)
        return snip

    # -- per target kind ------------------------------------------------------------------------
    def for_target(self, kind: str, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        maker = _BY_KIND.get(kind)
        out: list[CodeSnippet] = maker(self, key, version, facts) if maker else []
        return _unique(out)

    def _with_blocks(self, snip: CodeSnippet | None, priority: int) -> list[CodeSnippet]:
        if snip is None:
            return []
        snip.priority = priority
        blocks = self.p.version_blocks(snip)
        for b in blocks:
            b.priority = priority + 1
        return [snip, *blocks]

    def _function(self, name: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        own = self.function(name, version)
        out = self._with_blocks(own, 0)
        if own is None:
            return out
        called = {c["name"] for c in own.data.get("calls", [])}
        for f in facts:
            if f.id.startswith(f"call:{name}->") and f.data.get("callee") in called:
                c = self.function(f.data["callee"], version)
                if c is not None:
                    c.role, c.id, c.priority = "callee", f"code:callee:{c.entity}", 20
                    out.append(c)
        for f in facts:
            if f.id.startswith("call:") and f.id.endswith(f"->{name}"):
                c = self.function(f.data["caller"], version)
                ex = self.excerpt(c, rf"\b{re.escape(name)}\s*\(", role="caller") if c else None
                if ex is not None:
                    ex.id, ex.priority = f"code:caller:{ex.entity}", 25
                    out.append(ex)
        out += self._assigned(own, version)
        out += self._stacks(own)
        out += self._patterns(name, 32)
        return out

    def _stacks(self, own: CodeSnippet) -> list[CodeSnippet]:
        """The declarations (``STACK(name, size)``) of the thread stacks the code uses."""
        out = []
        for name in dict.fromkeys(re.findall(r"STACK_TOP\((\w+)\)", own.text)):
            decl = self.p.find(
                own.file,
                rf"^\s*STACK\({re.escape(name)},",
                role="stackdecl",
                entity=name,
                kind="Global",
                before=0,
                after=0,
            )
            if decl is not None:
                decl.id, decl.priority = f"code:stack:{name}", 12
                m = re.search(r"STACK\(\w+,\s*([^)]+)\)", decl.text)
                decl.data["size"] = m.group(1).strip() if m else ""
                out.append(decl)
        return out

    def _assigned(self, own: CodeSnippet, version: str) -> list[CodeSnippet]:
        """Functions the code stores in a field (runtime wiring) and, from the graph, the
        callbacks it passes to other functions (passed, never called by it)."""
        if hasattr(self.p, "wiring_of"):
            return self._wired(own, version, self.p.wiring_of(own.entity))
        src = Source(own.file, own.text)
        out = []
        for lhs, rhs, line in assignments(src, 1, src.lines):
            if rhs == own.entity:
                continue
            snip = self.function(rhs, version)
            if snip is None:
                continue
            snip.role, snip.id, snip.priority = "assigned", f"code:assigned:{rhs}", 15
            snip.data["stored_in"] = lhs
            snip.data["stored_at"] = own.first + line - 1
            snip.data["stored_by"] = own.entity
            out.append(snip)
        return out[:4]

    def _wired(self, own: CodeSnippet, version: str, wires: list[dict[str, Any]]) -> list[CodeSnippet]:
        """Issue 16's ASSIGNS/PASSES edges of ``own``: a function stored in ``Actor.draw`` is
        the draw the actor runs from then on; one passed to ``SkelAnime_DrawFlexOpa`` is a
        callback that function calls (``own`` never calls it)."""
        stored: list[CodeSnippet] = []
        passed: list[CodeSnippet] = []
        seen: set[str] = {own.entity}
        lines = own.lines()
        for w in wires:
            fn = w["function"]
            if fn in seen:
                continue
            snip = self.function(fn, version)
            if snip is None:
                continue
            seen.add(fn)
            line = w["line"] or own.first
            text = lines[line - own.first] if own.first <= line <= own.last else ""
            if w["how"] == "assigns":
                snip.role, snip.id, snip.priority = "assigned", f"code:assigned:{fn}", 15
                snip.data.update(
                    stored_in=_stored_in(text, fn) or w["field"],
                    field=w["field"],
                    stored_at=line,
                    stored_by=own.entity,
                    via=w["via"] or "",
                )
                slot = w["field"].rsplit(".", 1)[-1]
                if hasattr(self.p, "calls_through"):  # who runs what the field holds, if its file says
                    snip.data["called_by"] = self.p.calls_through(own.file, w["field"])
                runtime = w["field"] in ("Actor.draw", "Actor.update")
                snip.note = (
                    f"the {slot} this actor runs once {own.entity} sets it"
                    if runtime
                    else f"stored in {w['field']} by {own.entity}"
                ) + (f" through {w['via']}" if w["via"] else "")
                stored.append(snip)
            else:
                snip.role, snip.id, snip.priority = "callback", f"code:callback:{fn}", 18
                snip.data.update(passed_to=w["callee"], param=w["param"], passed_at=line, passed_by=own.entity)
                snip.note = (
                    f"callback: {own.entity} passes it to {w['callee']} as "
                    f"{w['param'] or 'an argument'}; the engine calls it through that "
                    f"(at once, or later from where {w['callee']} keeps it), {own.entity} does not"
                )
                passed.append(snip)
        return stored[:4] + passed[:3]

    def _patterns(self, name: str, priority: int) -> list[CodeSnippet]:
        if not hasattr(self.p, "patterns_of"):
            return []
        out = self.p.patterns_of(name)
        for i, s in enumerate(out):
            s.priority = priority + i
        return out

    def _actor(self, enum: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        out: list[CodeSnippet] = []
        roles = {f.data["role"]: f.data["function"] for f in facts if f.id.startswith("profile:")}
        actor = next((f for f in facts if f.id == f"actor:{enum}"), None)
        file = actor.data.get("file") if actor else None
        data = 0
        for g in self.q.run("context_file_globals", file=file) if file else []:
            is_profile = g.get("type") == "ActorProfile"
            wanted = is_profile or _DATA_TYPES.search(g.get("type") or "")
            if not wanted or (not is_profile and data >= 3):
                continue
            snip = self.p.global_def(g["id"], g["name"], file, g.get("line"))
            if snip is None:
                continue
            data += not is_profile
            snip.role = "profile" if is_profile else "data"
            snip.priority = 1 if is_profile else 30
            snip.data["type"] = g.get("type")
            out.append(snip)
        order = {"init": 2, "update": 3, "draw": 6, "destroy": 12}
        for role, fn in sorted(roles.items(), key=lambda kv: order.get(kv[0], 20)):
            snip = self.function(fn, version)
            if snip is None:
                continue
            snip.role = role
            snip.data["profile_role"] = role
            out += self._with_blocks(snip, order.get(role, 20))
            if role in ("init", "update", "draw"):
                out += self._assigned(snip, version)
        inst = actor.data.get("instance_struct") if actor else None
        size = next((f for f in facts if f.id.startswith(f"size:{inst}@")), None) if inst else None
        if inst and size is not None:
            s = self.p.struct(inst, size.data.get("file"), size.data.get("line"))
            if s is not None:
                s.role, s.priority = "struct", 4
                out.append(s)
        for what, kind, pri in ((enum, "Actor", 35), (actor.data.get("overlay") if actor else None, "Segment", 36)):
            if what:
                t = self.p.table_entry(kind, what)
                if t is not None:
                    t.priority = pri
                    out.append(t)
        out += self._patterns(enum, 32)
        ex = self.exemplar(enum, version)
        if ex is not None:
            out.append(ex)
        return out

    def _struct(self, name: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        size = next((f for f in facts if f.id.startswith(f"size:{name}@")), None)
        if size is None:
            return []
        s = self.p.struct(name, size.data.get("file"), size.data.get("line"))
        return self._with_blocks(s, 0)

    def _global(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        g = next((f for f in facts if f.id.startswith(f"global:{key}@")), None)
        if g is None:
            return []
        name = g.data.get("name") or key
        out = self._with_blocks(self.p.global_def(key, name, g.data.get("file"), g.data.get("line")), 0)
        struct = g.data.get("struct")
        size = next((f for f in facts if f.id.startswith(f"size:{struct}@")), None)
        if size is not None:
            s = self.p.struct(struct, size.data.get("file"), size.data.get("line"))
            if s is not None:
                s.role, s.priority = "type", 10
                out.append(s)
        return out

    def _table(self, kind: str, key: str) -> list[CodeSnippet]:
        t = self.p.table_entry(kind, key)
        return [t] if t is not None else []

    def _sfx(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        uses = self.p.uses(key)
        for i, u in enumerate(uses):
            u.priority = 5 + i
        return self._table("Sfx", key) + uses

    def _sequence(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        uses = self.p.uses(key)
        for i, u in enumerate(uses):
            u.priority = 5 + i
        fonts = [f for f in facts if f.id.startswith(f"usesfont:{key}:")]
        return self._table("Sequence", key) + uses + (self._loaders(version, 15) if fonts else [])

    def _loaders(self, version: str, priority: int) -> list[CodeSnippet]:

        out = []
        for i, name in enumerate(FONT_LOADERS):
            s = self.function(name, version)
            if s is not None:
                s.role, s.id, s.priority = "covered", f"code:loader:{name}", priority + i
                out.append(s)
        return out

    def _soundfont(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        font = next((f for f in facts if f.id == f"soundfont:{key}"), None)
        if font is None:
            return []
        doc = (
            self.p.document(font.data["file"], entity=key, kind="Soundfont", lang="xml")
            if font.data.get("file")
            else None
        )
        return ([doc] if doc is not None else []) + self._loaders(version, 5)

    def _scene(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        return self._table("Scene", key)

    def _object(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        return self._table("Object", key)

    def _segment(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        return self._table("Segment", key)

    def _concept(self, key: str, version: str, facts: list[Any]) -> list[CodeSnippet]:
        out: list[CodeSnippet] = []
        for f in facts:
            if f.id.startswith("sig:") and f.data.get("in_version") and len(out) < 3:
                s = self.function(f.data["name"], version)
                if s is not None:
                    s.role, s.priority = "covered", 10 + len(out)
                    out.append(s)
        return out


def budget(snippets: list[CodeSnippet], max_tokens: int) -> list[CodeSnippet]:
    """The most relevant snippets that fit ``max_tokens`` (the first always does, cut if it
    must be)."""
    kept: list[CodeSnippet] = []
    used = 0
    for s in sorted(snippets, key=lambda s: s.priority):
        cost = tokens_of(s.render())
        if kept and used + cost > max_tokens:
            continue
        kept.append(s)
        used += cost
    return kept


def _unique(snippets: list[CodeSnippet]) -> list[CodeSnippet]:
    """The first snippet of each id, in order."""
    seen: set[str] = set()
    out: list[CodeSnippet] = []
    for s in snippets:
        if s.id not in seen:
            seen.add(s.id)
            out.append(s)
    return out


# what each target kind's code section is made of (one entry per kind a context is built for)
_BY_KIND: dict[str, Callable[[CodeSection, str, str, list[Any]], list[CodeSnippet]]] = {
    "Function": CodeSection._function,
    "Actor": CodeSection._actor,
    "Struct": CodeSection._struct,
    "Global": CodeSection._global,
    "Sfx": CodeSection._sfx,
    "Sequence": CodeSection._sequence,
    "Soundfont": CodeSection._soundfont,
    "Scene": CodeSection._scene,
    "Object": CodeSection._object,
    "Segment": CodeSection._segment,
    "Concept": CodeSection._concept,
}


# ``lhs = name``: one pattern for every name, tried at each position as ``re.search`` with
# the name in the pattern would (a pattern per name cost a compile per wired function)
_ASSIGNMENT = re.compile(r"(?=([\w>.\[\]-]+)\s*=\s*(\w+)\b)")


def _stored_in(text: str, name: str) -> str | None:
    """What ``text`` assigns ``name`` to (``this->actionFunc`` in ``this->actionFunc = name;``)."""
    for m in _ASSIGNMENT.finditer(text):
        if m.group(2) == name:
            return m.group(1)
    return None
