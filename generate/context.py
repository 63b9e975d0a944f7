"""Grounded context: the facts an expert needs about one target, each with an id and a source.

A context is built from named queries (``queries/context_*.cypher``) for one target
(actor, function, struct, scene, concept, object, global, sequence, sfx, segment)
in one game version. Facts are ranked (lower ``priority`` first) and cut to a
token bound, so the most relevant ones survive. Fact ids are stable across runs:
``<what>:<entity>[@version]`` — the same graph gives the same ids.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from typing import Any

from generate.models import Context, Fact, Target
from generate.tables import WARM_AFTER, Tables
from kg.queries import NamedQuery, QueryCatalog

log = logging.getLogger(__name__)

TARGET_KINDS = ("Actor", "Function", "Struct", "Scene", "Concept", "Object", "Global",
                "Sequence", "Sfx", "Segment")


def c_spelling(signature: str | None) -> str | None:
    """``void f(Actor * actor)`` (libclang's spelling) -> ``void f(Actor* actor)`` (the decomp's)."""
    return _STAR.sub("*", signature) if signature else signature


_STAR = re.compile(r"\s+\*")


def hx(value: int | None) -> str:
    return "?" if value is None else f"0x{value:X}"


def tokens_of(text: str) -> int:
    """A cheap token estimate (about 3.5 characters per token for code-heavy English)."""
    return len(text) * 2 // 7 + 1


class Queries:
    """Named queries parsed once and run many times (``run_named`` re-reads the catalog).

    With ``tables=True`` the hot context queries switch to whole-graph tables once they
    have been asked ``WARM_AFTER`` times (same rows, see ``generate.tables``)."""

    def __init__(self, store: Any, *, tables: bool = True) -> None:
        self.store = store
        self.catalog = QueryCatalog(store=getattr(store, "kind", "embedded"))
        self._parsed: dict[str, NamedQuery] = {}
        self._calls: dict[str, int] = {}
        self.tables = Tables(self._run) if tables else None

    def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        rows = None
        if self.tables is not None:
            n = self._calls[name] = self._calls.get(name, 0) + 1
            if n > WARM_AFTER:
                rows = self.tables.answer(name, params)
        if rows is None:
            rows = self._run(name, **params)
        if rows and "signature" in rows[0]:
            rows = [{**r, "signature": c_spelling(r["signature"])} for r in rows]
        return rows

    def _run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        query = self._parsed.get(name)
        if query is None:
            query = self._parsed[name] = self.catalog.get(name)
        bound = query.bind(params)
        return self.store.run(query.runnable, bound)


class ContextBuilder:
    """Builds (and caches) contexts; one builder per store, any version."""

    def __init__(self, store: Any, *, max_tokens: int = 2400, cache_size: int = 512) -> None:
        self.q = Queries(store)
        self.max_tokens = max_tokens
        self._cache: OrderedDict[tuple[str, str, str], Context] = OrderedDict()
        self._cache_size = cache_size
        self._facts_memo: dict[tuple, list[Fact]] = {}

    def build(self, target: Target, version: str) -> Context:
        key = (target.kind, target.key, version)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        maker = getattr(self, f"_facts_{target.kind.lower()}", None)
        if maker is None:
            raise ValueError(f"no context builder for {target.kind}; targets are {TARGET_KINDS}")
        facts: list[Fact] = maker(target.key, version)
        ctx = self._bound(target, version, facts)
        self._cache[key] = ctx
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return ctx

    def _bound(self, target: Target, version: str, facts: list[Fact]) -> Context:
        seen: set[str] = set()
        unique = [f for f in facts if not (f.id in seen or seen.add(f.id))]
        ranked = sorted(enumerate(unique), key=lambda p: (p[1].priority, p[0]))
        kept: list[Fact] = []
        used = 0
        for _, fact in ranked:
            cost = tokens_of(fact.render())
            if kept and used + cost > self.max_tokens:
                continue
            kept.append(fact)
            used += cost
        return Context(target=target, version=version, facts=kept,
                       truncated=len(unique) - len(kept))

    # -- functions ----------------------------------------------------------------------
    def function_facts(self, name: str, version: str, *, priority: int = 0,
                       deep: bool = True) -> list[Fact]:
        return self._memo("function", (name, version, deep), priority)

    def struct_facts(self, name: str, version: str, *, priority: int = 0,
                     fields: int = 200) -> list[Fact]:
        return self._memo("struct", (name, version, fields), priority)

    def actor_facts(self, enum: str, version: str, *, priority: int = 0,
                    deep: bool = True) -> list[Fact]:
        return self._memo("actor", (enum, version, deep), priority)

    def _memo(self, what: str, args: tuple, priority: int) -> list[Fact]:
        """Facts about one entity are shared by many contexts: built once, then copied
        with the caller's priority offset."""
        key = (what, *args)
        base = self._facts_memo.get(key)
        if base is None:
            base = getattr(self, f"_{what}_facts")(*args, priority=0) if what != "function" \
                else self._function_facts(args[0], args[1], priority=0, deep=args[2])
            self._facts_memo[key] = base
            if len(self._facts_memo) > 4 * self._cache_size:
                self._facts_memo.pop(next(iter(self._facts_memo)))
        if not priority:
            return [f.model_copy() for f in base]
        return [f.model_copy(update={"priority": f.priority + priority}) for f in base]

    def _function_facts(self, name: str, version: str, *, priority: int = 0,
                        deep: bool = True) -> list[Fact]:
        rows = sorted(self.q.run("context_function", name=name, version=version),
                      key=lambda r: r.get("address_source") or "")
        if not rows:
            return []
        r = rows[0]
        facts: list[Fact] = []
        where = _where(r.get("file"), r.get("line"))
        if r.get("signature"):
            present = r.get("in_version") is not None
            facts.append(Fact(
                id=f"sig:{name}@{version}", kind="Function", entity=name, source=where,
                priority=priority,
                text=f"`{r['signature']}` is {'defined' if present else 'known'} in {where or '?'}"
                     f"{' (' + version + ')' if present else ''}"
                     f"{'; it is static to that file' if r.get('static') else ''}.",
                data={"name": name, "signature": r["signature"], "return_type": r.get("return_type"),
                      "params": _params(r.get("params")), "file": r.get("file"),
                      "line": r.get("line"), "static": bool(r.get("static")),
                      "in_version": present,
                      "param_types": [{"type": p["type"], "file": p.get("file")} for p in
                                      self.q.run("context_param_types", name=name)]}))
        for row in rows:
            if row.get("address") is not None:
                src = row.get("address_source") or "symbols"
                facts.append(Fact(
                    id=f"addr:{name}@{version}:{src}", kind="Function", entity=name, source=src,
                    priority=priority + 5,
                    text=f"{name} is at RAM address {hx(row['address'])} in {version}"
                         f"{' (size ' + hx(row['size']) + ')' if row.get('size') else ''}.",
                    data={"name": name, "address": row["address"], "size": row.get("size")}))
        if not deep:
            return facts
        facts += self._versions_function(name, version, priority + 10)
        facts += self.address_facts(name, version, priority + 12)
        for c in self.q.run("context_callers", name=name, limit=12):
            facts.append(Fact(
                id=f"call:{c['caller']}->{name}", kind="Function", entity=c["caller"],
                source=_where(c.get("file"), c.get("line")), priority=priority + 20,
                text=f"{c['caller']} calls {name}"
                     f"{' (' + str(c['count']) + ' call sites)' if (c.get('count') or 0) > 1 else ''}.",
                data={"caller": c["caller"], "callee": name, "versions": c.get("versions") or []}))
        for c in self.q.run("context_callees", name=name, limit=12):
            sig = f" — `{c['signature']}`" if c.get("signature") else ""
            facts.append(Fact(
                id=f"call:{name}->{c['callee']}", kind="Function", entity=c["callee"],
                source=_where(c.get("file"), c.get("line")), priority=priority + 15,
                text=f"{name} calls {c['callee']}{sig}.",
                data={"caller": name, "callee": c["callee"], "signature": c.get("signature"),
                      "name": c["callee"], "params": _params(c.get("params")),
                      "return_type": c.get("return_type"), "versions": c.get("versions") or []}))
        return facts

    def _versions_function(self, name: str, version: str, priority: int) -> list[Fact]:
        rows = self.q.run("context_function_versions", name=name)
        if not rows:
            return []
        versions = [r["version"] for r in rows]
        facts = [Fact(
            id=f"versions:{name}", kind="Function", entity=name, source="graph IN_VERSION",
            priority=priority,
            text=f"{name} exists in {len(versions)} version(s): {', '.join(versions)}.",
            data={"versions": versions})]
        here = next((r for r in rows if r["version"] == version), None)
        for r in rows:
            if here and r["version"] != version and r.get("signature") and \
                    r["signature"] != here.get("signature"):
                facts.append(Fact(
                    id=f"sigdiff:{name}@{r['version']}", kind="Function", entity=name,
                    source=_where(r.get("file"), r.get("line")), priority=priority - 5,
                    text=f"In {r['version']} the signature of {name} is `{r['signature']}` "
                         f"(in {version}: `{here['signature']}`).",
                    data={"version": r["version"], "signature": r["signature"],
                          "base_signature": here["signature"]}))
        return facts

    def address_facts(self, name: str, version: str, priority: int) -> list[Fact]:
        """Addresses in the other versions (this version's come with the entity itself)."""
        return [Fact(id=f"addr:{name}@{r['version']}:{r.get('source') or 'symbols'}",
                     kind="Function", entity=name, source=r.get("source") or "symbols",
                     priority=priority,
                     text=f"{name} is at RAM address {hx(r['address'])} in {r['version']}.",
                     data={"name": name, "address": r["address"], "version": r["version"]})
                for r in sorted(self.q.run("context_addresses", name=name),
                                key=lambda r: (r.get("ordinal") or 0, r["version"],
                                               r.get("source") or ""))
                if r["version"] != version and r.get("address") is not None]

    def related_functions(self, text: str, version: str, priority: int = 20,
                          limit: int = 4) -> list[Fact]:
        facts: list[Fact] = []
        for r in self.q.run("context_functions_like", text=text, limit=limit):
            facts += self.function_facts(r["name"], version, priority=priority, deep=False)[:1]
        return facts

    def _facts_function(self, name: str, version: str) -> list[Fact]:
        facts = self.function_facts(name, version)
        for f in [f for f in facts if f.id.startswith("sig:")]:
            for s in _struct_params(f.data.get("params") or []):
                facts += self.struct_facts(s, version, priority=60, fields=6)
        return facts

    # -- structs ------------------------------------------------------------------------
    def _struct_facts(self, name: str, version: str, fields: int = 200, *,
                      priority: int = 0) -> list[Fact]:
        rows = self.q.run("context_struct", name=name, version=version)
        if not rows:
            return []
        r = rows[0]
        where = _where(r.get("file"), r.get("line"))
        facts = []
        if r.get("size") is not None:
            facts.append(Fact(
                id=f"size:{name}@{version}", kind="Struct", entity=name, source=where,
                priority=priority,
                text=f"{r.get('kind') or 'struct'} {name} is {hx(r['size'])} ({r['size']}) bytes"
                     f"{', alignment ' + str(r['align']) if r.get('align') else ''} in {version}"
                     f"{', defined in ' + where if where else ''}.",
                data={"name": name, "size": r["size"], "align": r.get("align"),
                      "file": r.get("file"), "line": r.get("line")}))
        all_fields = self.q.run("context_struct_fields", name=name, version=version)
        for fr in all_fields[:fields]:
            if fr.get("offset") is None:
                continue
            pos = fr.get("position") or 0
            facts.append(Fact(
                id=f"field:{name}.{fr['field']}@{version}", kind="Field",
                entity=fr.get("id") or f"{name}.{fr['field']}", source=where,
                priority=priority + 10 + min(pos, 80),
                text=f"{name}.{fr['field']} is at offset {hx(fr['offset'])}"
                     f"{', size ' + hx(fr['size']) if fr.get('size') else ''}"
                     f", type `{fr.get('type') or '?'}` ({version}).",
                data={"struct": name, "field": fr["field"], "offset": fr["offset"],
                      "size": fr.get("size"), "type": fr.get("type"), "position": pos}))
        listed = {fr["field"]: fr.get("position") or 0 for fr in all_fields[:fields]}
        facts += self._versions_struct(name, version, priority, listed,
                                       complete=len(all_fields) <= fields)
        return facts

    def _versions_struct(self, name: str, version: str, priority: int, listed: dict[str, int],
                         *, complete: bool) -> list[Fact]:
        """Size and member-offset differences with other versions. A member's difference
        ranks right after the member; for a layout shown only in part, the members not shown
        are summed up in one count instead of one fact each."""
        sizes = self.q.run("context_struct_versions", name=name)
        facts: list[Fact] = []
        here = next((r for r in sizes if r["version"] == version), None)
        for r in sizes:
            if here and r["version"] != version and r.get("size") is not None \
                    and r["size"] != here.get("size"):
                facts.append(Fact(
                    id=f"sizediff:{name}@{r['version']}", kind="Struct", entity=name,
                    source=_where(r.get("file"), r.get("line")), priority=priority + 8,
                    text=f"{name} is {hx(r['size'])} bytes in {r['version']}. "
                         f"In {version} it is {hx(here['size'])} bytes.",
                    data={"version": r["version"], "size": r["size"], "base_size": here["size"]}))
        if not here:
            return facts
        offsets: dict[str, dict[str, int]] = {}
        for r in self.q.run("context_field_versions", name=name):
            offsets.setdefault(r["field"], {})[r["version"]] = r["offset"]
        hidden: dict[str, int] = {}
        for fld, per in offsets.items():
            base = per.get(version)
            for v, off in per.items():
                if base is None or off is None or off == base:
                    continue
                if not complete and fld not in listed:
                    hidden[v] = hidden.get(v, 0) + 1
                    continue
                facts.append(Fact(
                    id=f"offdiff:{name}.{fld}@{v}", kind="Field", entity=f"{name}.{fld}",
                    source="graph IN_VERSION",
                    priority=priority + 10 + min(listed.get(fld, 80), 80),
                    text=f"{name}.{fld} is at offset {hx(off)} in {v}. "
                         f"In {version} it is at {hx(base)}.",
                    data={"struct": name, "field": fld, "version": v, "offset": off,
                          "base_offset": base}))
        for v, n in sorted(hidden.items()):
            facts.append(Fact(
                id=f"offdiffcount:{name}@{v}", kind="Struct", entity=name,
                source="graph IN_VERSION", priority=priority + 9,
                text=f"{n} further member(s) of {name} sit at another offset in {v} than in "
                     f"{version}.", data={"version": v, "count": n}))
        return facts

    def _facts_struct(self, name: str, version: str) -> list[Fact]:
        return self.struct_facts(name, version)

    # -- actors -------------------------------------------------------------------------
    def _actor_facts(self, enum: str, version: str, deep: bool = True, *,
                     priority: int = 0) -> list[Fact]:
        rows = self.q.run("context_actor", enum=enum)
        if not rows:
            return []
        a = rows[0]
        flags = a.get("flag_names") or []
        parts = [f"{enum} (actor id {hx(a.get('id'))})"]
        if a.get("overlay"):
            parts.append(f"overlay {a['overlay']}")
        if a.get("category"):
            parts.append(f"category {a['category']}")
        if a.get("alloc"):
            parts.append(f"allocation {a['alloc']}")
        # The table's instance size is one number; the struct's size is per version (the
        # retail Actor is 0x10 smaller than the debug one), so the version's sizeof wins.
        if a.get("instance_struct"):
            srow = self.q.run("context_struct", name=a["instance_struct"], version=version)
            if srow and srow[0].get("size") is not None and srow[0].get("in_version"):
                a["instance_size"] = srow[0]["size"]
        if a.get("instance_size") is not None:
            parts.append(f"instance size {hx(a['instance_size'])} bytes"
                         f"{' (' + a['instance_struct'] + ')' if a.get('instance_struct') else ''}"
                         f" in {version}")
        if flags:
            parts.append("flags " + " | ".join(flags))
        elif a.get("flags") is not None:
            parts.append(f"flags {hx(a['flags'])}")
        facts = [Fact(id=f"actor:{enum}", kind="Actor", entity=enum, source=a.get("file") or "",
                      priority=priority, text="; ".join(parts) + ".", data=dict(a))]
        for p in self.q.run("context_actor_profile", enum=enum):
            sig = f" `{p['signature']}`" if p.get("signature") else ""
            facts.append(Fact(
                id=f"profile:{enum}:{p['role']}", kind="Function", entity=p["function"],
                source=_where(p.get("file"), p.get("line")), priority=priority + 2,
                text=f"{enum}'s {p['role']} function is {p['function']}{sig}.",
                data={"role": p["role"], "function": p["function"],
                      "signature": p.get("signature"), "file": p.get("file")}))
        for o in self.q.run("context_actor_objects", enum=enum):
            facts.append(Fact(
                id=f"object:{enum}:{o['object']}", kind="Object", entity=o["object"],
                source=a.get("file") or "", priority=priority + 4,
                text=f"{enum} uses object {o['object']} (object id {hx(o.get('id'))}"
                     f"{', via ' + o['via'] if o.get('via') else ''}).",
                data={"object": o["object"], "id": o.get("id"), "via": o.get("via")}))
        if deep and a.get("instance_struct"):
            # The first members outrank what the profile functions call.
            facts += self.struct_facts(a["instance_struct"], version, priority=priority + 5,
                                       fields=10)
        return facts

    def _facts_actor(self, enum: str, version: str) -> list[Fact]:
        facts = self.actor_facts(enum, version)
        for f in [f for f in facts if f.id.startswith("profile:")]:
            deep = f.data["role"] in ("init", "update")
            # Profile functions rank above the instance struct's members; what update calls
            # (the per-frame logic a mod changes) ranks above what init calls.
            facts += self.function_facts(f.data["function"], version, deep=deep,
                                         priority=6 if f.data["role"] != "init" else 10)
        return facts

    # -- scenes, objects, small kinds -----------------------------------------------------
    def _facts_scene(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_scene", enum=enum)
        if not rows:
            return []
        s = rows[0]
        text = (f"{enum} (scene id {hx(s.get('id'))}) has {s.get('rooms') or 0} room(s) and "
                f"{s.get('entrances') or 0} entrance(s)"
                f"{'; title card ' + s['title_card'] if s.get('title_card') else ''}"
                f"{'; draw config ' + s['draw_config'] if s.get('draw_config') else ''}.")
        facts = [Fact(id=f"scene:{enum}", kind="Scene", entity=enum, source=s.get("segment") or "",
                      text=text, data=dict(s))]
        rooms, entrances = [], []
        for r in sorted(self.q.run("context_scene_rooms", enum=enum),
                        key=lambda r: (r.get("position") if r.get("position") is not None
                                       else 1 << 30, r["name"])):
            (rooms if r["what"] == "room" else entrances).append(r)
        if rooms:
            facts.append(Fact(id=f"rooms:{enum}", kind="Scene", entity=enum, priority=5,
                              source=s.get("segment") or "",
                              text=f"{enum}'s rooms, in order: "
                                   f"{', '.join(r['name'] for r in rooms[:24])}.",
                              data={"rooms": [r["name"] for r in rooms]}))
        for e in entrances[:8]:
            facts.append(Fact(id=f"entrance:{e['name']}", kind="Scene", entity=enum, priority=8,
                              source="entrance table",
                              text=f"Entrance {e['name']} leads into {enum}"
                                   f"{' at spawn ' + str(e['position']) if e.get('position') is not None else ''}.",
                              data={"entrance": e["name"], "spawn": e.get("position")}))
        for o in self.q.run("context_scene_objects", enum=enum):
            facts.append(Fact(id=f"sceneobj:{enum}:{o['object']}", kind="Object", entity=o["object"],
                              priority=10, text=f"{enum} loads object {o['object']} "
                              f"(id {hx(o.get('id'))}).", data=dict(o)))
        return facts

    def _facts_object(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_object", enum=enum)
        if not rows:
            return []
        o = rows[0]
        users = [u for u in o.get("actors") or [] if u]
        facts = [Fact(id=f"objectinfo:{enum}", kind="Object", entity=enum,
                      source=o.get("segment") or "",
                      text=f"{enum} (object id {hx(o.get('id'))}) has {o.get('assets') or 0} "
                           f"asset(s){'; used by ' + ', '.join(users[:8]) if users else ''}.",
                      data=dict(o))]
        for a in self.q.run("context_object_assets", enum=enum, limit=20):
            dims = f" {a['width']}x{a['height']}" if a.get("width") and a.get("height") else ""
            facts.append(Fact(id=f"asset:{enum}:{a['name']}", kind="Object", entity=enum,
                              priority=10,
                              text=f"{enum} asset {a['name']} is {_a(a.get('kind') or 'asset')}"
                                   f"{' (' + a['format'] + dims + ')' if a.get('format') else dims}"
                                   f" at segment offset {hx(a.get('offset'))}.", data=dict(a)))
        for u in users[:4]:
            facts += self.actor_facts(u, version, priority=30, deep=False)[:1]
        return facts

    def _facts_global(self, name: str, version: str) -> list[Fact]:
        rows = self.q.run("context_global", name=name, version=version)
        if not rows:
            return []
        g = rows[0]
        where = _where(g.get("file"), g.get("line"))
        facts = [Fact(id=f"global:{name}@{version}", kind="Global", entity=name, source=where,
                      text=f"{name} is a global of type `{g.get('type') or '?'}`"
                           f"{', defined in ' + where if where else ''}.", data=dict(g))]
        for r in rows:
            if r.get("address") is not None:
                src = r.get("address_source") or "symbols"
                facts.append(Fact(id=f"addr:{name}@{version}:{src}", kind="Global", entity=name,
                                  source=src, priority=5,
                                  text=f"{name} is at RAM address {hx(r['address'])} in {version}.",
                                  data={"name": name, "address": r["address"]}))
        for f in self.address_facts(name, version, 8):
            f.kind = "Global"
            facts.append(f)
        rows_v = self.q.run("context_global_versions", name=name)
        if rows_v:
            versions = [r["version"] for r in rows_v]
            facts.append(Fact(id=f"versions:{name}", kind="Global", entity=name,
                              source="graph IN_VERSION", priority=10,
                              text=f"{name} exists in {len(versions)} version(s): "
                                   f"{', '.join(versions)}.", data={"versions": versions}))
            here = next((r for r in rows_v if r["version"] == version), None)
            for r in rows_v:
                if here and r["version"] != version and r.get("type") and \
                        r["type"] != here.get("type"):
                    facts.append(Fact(
                        id=f"typediff:{name}@{r['version']}", kind="Global", entity=name,
                        source="graph IN_VERSION", priority=6,
                        text=f"{name} has type `{r['type']}` in {r['version']}. In {version} its "
                             f"type is `{here['type']}`.",
                        data={"version": r["version"], "type": r["type"]}))
        if g.get("struct"):
            facts += self.struct_facts(g["struct"], version, priority=20, fields=12)
        return facts

    def _facts_sequence(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_sequence", enum=enum)
        return self.related_functions("Seq", version) + [Fact(
                     id=f"seq:{enum}", kind="Sequence", entity=enum, source="sequence table",
                     text=f"{enum} is sequence {hx(r.get('id'))}"
                          f"{' (' + r['name'] + ')' if r.get('name') else ''}"
                          f"{', medium ' + r['medium'] if r.get('medium') else ''}"
                          f"{', cache policy ' + r['cache_policy'] if r.get('cache_policy') else ''}.",
                     data=dict(r)) for r in rows[:1]]

    def _facts_sfx(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_sfx", enum=enum)
        return self.related_functions("Sfx", version) + [Fact(
                     id=f"sfx:{enum}", kind="Sfx", entity=enum, source="sfx tables",
                     text=f"{enum} is sound effect {hx(r.get('id'))}"
                          f"{' in bank ' + r['bank'] if r.get('bank') else ''}"
                          f"{', importance ' + str(r['importance']) if r.get('importance') is not None else ''}.",
                     data=dict(r)) for r in rows[:1]]

    def _facts_segment(self, name: str, version: str) -> list[Fact]:
        rows = self.q.run("context_segment", name=name, version=version)
        if not rows:
            return []
        s = rows[0]
        files = [f for f in s.get("files") or [] if f]
        traits = [t for t, on in (("compressed", s.get("compress")), ("an overlay", s.get("overlay")))
                  if on]
        facts = [Fact(id=f"segment:{name}", kind="Segment", entity=name, source="spec",
                      text=f"Segment {name}"
                           f"{' (number ' + str(s['number']) + ')' if s.get('number') is not None else ''}"
                           f"{' is ' + ' and '.join(traits) if traits else ''}"
                           f"{'; files: ' + ', '.join(files[:6]) if files else ''}.", data=dict(s))]
        if s.get("address") is not None:
            facts.append(Fact(id=f"addr:{name}@{version}", kind="Segment", entity=name,
                              source=s.get("address_source") or "", priority=5,
                              text=f"{name} starts at {hx(s['address'])} in {version}.",
                              data={"address": s["address"]}))
        return facts

    # -- concepts -----------------------------------------------------------------------
    def _facts_concept(self, cid: str, version: str) -> list[Fact]:
        rows = self.q.run("context_concept", id=cid)
        if not rows:
            return []
        c = rows[0]
        facts = [Fact(id=f"concept:{cid}", kind="Concept", entity=cid, source="ingest/concepts",
                      text=f"Concept '{c.get('title') or cid}' ({c.get('domain') or '?'}, difficulty "
                           f"{c.get('difficulty') or '?'}): {c.get('summary') or ''}".strip(),
                      data=dict(c))]
        for req in sorted(r for r in c.get("requires") or [] if r):
            facts.append(Fact(id=f"requires:{cid}->{req}", kind="Concept", entity=req,
                              source="ingest/concepts", priority=5,
                              text=f"{cid} builds on the concept {req}.", data={"requires": req}))
        for cov in self.q.run("context_concept_covers", id=cid)[:12]:
            kind, key = cov.get("kind"), cov.get("key")
            if not kind or not key:
                continue
            if kind == "Function":
                facts += self.function_facts(key, version, priority=20, deep=False)
            elif kind == "Struct":
                facts += self.struct_facts(key, version, priority=25, fields=8)
            elif kind == "Actor":
                facts += self.actor_facts(key, version, priority=25, deep=False)[:2]
            elif kind in ("Global", "Object", "Sequence", "Sfx", "Segment", "Scene"):
                facts += getattr(self, f"_facts_{kind.lower()}")(key, version)[:2]
            else:
                facts.append(Fact(id=f"covers:{cid}->{kind}:{key}", kind=kind, entity=key,
                                  source="ingest/concepts", priority=30,
                                  text=f"{cid} involves {kind} {key}.", data={}))
        return facts


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _where(file: str | None, line: int | None) -> str:
    if not file:
        return ""
    return f"{file}:{line}" if line else file


def _params(raw: Any) -> list[dict[str, str]]:
    if not raw:
        return []
    if isinstance(raw, list):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def _struct_params(params: list[dict[str, str]]) -> list[str]:
    """Struct names a function takes by pointer (``Actor* actor`` -> ``Actor``), in order."""
    out: list[str] = []
    for p in params:
        t = (p.get("type") or "").replace("const ", "").replace("struct ", "").strip()
        if t.endswith("*"):
            base = t.rstrip("*").strip()
            if base and base[0].isupper() and base not in out:
                out.append(base)
    return out[:2]
