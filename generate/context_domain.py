"""Facts about game entities for contexts: actors, scenes, objects, globals, sequences,
sound effects, segments and concepts.

A mixin of :class:`generate.context.ContextBuilder`; ``self.q`` runs the named queries.
"""

from __future__ import annotations

from typing import Any

from generate.context_mixin import FactMixin
from generate.context_util import _a, _where, hx, plural, versions_text
from generate.models import Fact
from generate.tables_domain import sorted_list


class DomainFacts(FactMixin):
    # -- actors -------------------------------------------------------------------------
    def _actor_facts(self, enum: str, version: str, deep: bool = True, *, priority: int = 0) -> list[Fact]:
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
            parts.append(
                f"instance size {hx(a['instance_size'])} bytes"
                f"{' (' + a['instance_struct'] + ')' if a.get('instance_struct') else ''}"
                f" in {version}"
            )
        if flags:
            parts.append("flags " + " | ".join(flags))
        elif a.get("flags") is not None:
            parts.append(f"flags {hx(a['flags'])}")
        facts = [
            Fact(
                id=f"actor:{enum}",
                kind="Actor",
                entity=enum,
                source=a.get("file") or "",
                priority=priority,
                text="; ".join(parts) + ".",
                data=dict(a),
            )
        ]
        for p in self.q.run("context_actor_profile", enum=enum):
            sig = f" `{p['signature']}`" if p.get("signature") else ""
            facts.append(
                Fact(
                    id=f"profile:{enum}:{p['role']}",
                    kind="Function",
                    entity=p["function"],
                    source=_where(p.get("file"), p.get("line")),
                    priority=priority + 2,
                    text=f"{enum}'s {p['role']} function is {p['function']}{sig}.",
                    data={
                        "role": p["role"],
                        "function": p["function"],
                        "signature": p.get("signature"),
                        "file": p.get("file"),
                    },
                )
            )
        for o in self.q.run("context_actor_objects", enum=enum):
            facts.append(
                Fact(
                    id=f"object:{enum}:{o['object']}",
                    kind="Object",
                    entity=o["object"],
                    source=a.get("file") or "",
                    priority=priority + 4,
                    text=f"{enum} uses object {o['object']} (object id {hx(o.get('id'))}"
                    f"{', via ' + o['via'] if o.get('via') else ''}).",
                    data={"object": o["object"], "id": o.get("id"), "via": o.get("via")},
                )
            )
        if deep and a.get("instance_struct"):
            # The first members outrank what the profile functions call.
            facts += self.struct_facts(a["instance_struct"], version, priority=priority + 5, fields=10)
        return facts

    def _facts_actor(self, enum: str, version: str) -> list[Fact]:
        facts = self.actor_facts(enum, version)
        for f in [f for f in facts if f.id.startswith("profile:")]:
            deep = f.data["role"] in ("init", "update")
            # Profile functions rank above the instance struct's members; what update calls
            # (the per-frame logic a mod changes) ranks above what init calls.
            facts += self.function_facts(
                f.data["function"], version, deep=deep, priority=6 if f.data["role"] != "init" else 10
            )
        return facts

    # -- scenes, objects, small kinds -----------------------------------------------------
    def _facts_scene(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_scene", enum=enum)
        if not rows:
            return []
        s = rows[0]
        text = (
            f"{enum} (scene id {hx(s.get('id'))}) has {plural(s.get('rooms') or 0, 'room')} and "
            f"{plural(s.get('entrances') or 0, 'entrance')}"
            f"{'; title card ' + s['title_card'] if s.get('title_card') else ''}"
            f"{'; draw config ' + s['draw_config'] if s.get('draw_config') else ''}."
        )
        facts = [
            Fact(id=f"scene:{enum}", kind="Scene", entity=enum, source=s.get("segment") or "", text=text, data=dict(s))
        ]
        rooms: list[dict[str, Any]] = []
        entrances: list[dict[str, Any]] = []
        for r in sorted(
            self.q.run("context_scene_rooms", enum=enum),
            key=lambda r: (r.get("position") if r.get("position") is not None else 1 << 30, r["name"]),
        ):
            (rooms if r["what"] == "room" else entrances).append(r)
        if rooms:
            facts.append(
                Fact(
                    id=f"rooms:{enum}",
                    kind="Scene",
                    entity=enum,
                    priority=5,
                    source=s.get("segment") or "",
                    text=f"{enum}'s rooms, in order: {', '.join(r['name'] for r in rooms[:24])}.",
                    data={"rooms": [r["name"] for r in rooms]},
                )
            )
        for e in entrances[:8]:
            facts.append(
                Fact(
                    id=f"entrance:{e['name']}",
                    kind="Scene",
                    entity=enum,
                    priority=8,
                    source="entrance table",
                    text=f"Entrance {e['name']} leads into {enum}"
                    f"{' at spawn ' + str(e['position']) if e.get('position') is not None else ''}.",
                    data={"entrance": e["name"], "spawn": e.get("position")},
                )
            )
        for o in self.q.run("context_scene_objects", enum=enum):
            facts.append(
                Fact(
                    id=f"sceneobj:{enum}:{o['object']}",
                    kind="Object",
                    entity=o["object"],
                    priority=10,
                    text=f"{enum} loads object {o['object']} (id {hx(o.get('id'))}).",
                    data=dict(o),
                )
            )
        return facts

    def _facts_object(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_object", enum=enum)
        if not rows:
            return []
        o = {**rows[0], "actors": sorted_list(rows[0].get("actors"))}  # the store's order is its scan order
        users = [u for u in o["actors"] if u]
        facts = [
            Fact(
                id=f"objectinfo:{enum}",
                kind="Object",
                entity=enum,
                source=o.get("segment") or "",
                text=f"{enum} (object id {hx(o.get('id'))}) has "
                f"{plural(o.get('assets') or 0, 'asset')}"
                f"{'; used by ' + ', '.join(users[:8]) if users else ''}.",
                data=dict(o),
            )
        ]
        for a in self.q.run("context_object_assets", enum=enum, limit=20):
            dims = f" {a['width']}x{a['height']}" if a.get("width") and a.get("height") else ""
            facts.append(
                Fact(
                    id=f"asset:{enum}:{a['name']}",
                    kind="Object",
                    entity=enum,
                    priority=10,
                    text=f"{enum} asset {a['name']} is {_a(a.get('kind') or 'asset')}"
                    f"{' (' + a['format'] + dims + ')' if a.get('format') else dims}"
                    f" at segment offset {hx(a.get('offset'))}.",
                    data=dict(a),
                )
            )
        for u in users[:4]:
            facts += self.actor_facts(u, version, priority=30, deep=False)[:1]
        return facts

    def _facts_global(self, key: str, version: str) -> list[Fact]:
        """``key``: the global's node key (its name; ``file:name`` for a static, whose facts
        then speak of the name and say the file)."""
        rows = self.q.run("context_global", name=key, version=version)
        if not rows:
            return []
        g = rows[0]
        name = g.get("name") or key
        where = _where(g.get("file"), g.get("line"))
        static = " file-local (static)" if key != name else ""
        facts = [
            Fact(
                id=f"global:{key}@{version}",
                kind="Global",
                entity=key,
                source=where,
                text=f"{name} is a{static} global of type `{g.get('type') or '?'}`"
                f"{', defined in ' + where if where else ''}.",
                data=dict(g),
            )
        ]
        for r in rows:
            if r.get("address") is not None:
                src = r.get("address_source") or "symbols"
                facts.append(
                    Fact(
                        id=f"addr:{key}@{version}:{src}",
                        kind="Global",
                        entity=key,
                        source=src,
                        priority=5,
                        text=f"{name} is at RAM address {hx(r['address'])} in {version}.",
                        data={"name": name, "address": r["address"]},
                    )
                )
        for f in self.address_facts(key, version, 8):
            f.kind = "Global"
            facts.append(f)
        rows_v = self.q.run("context_global_versions", name=key)
        if rows_v:
            versions = [r["version"] for r in rows_v]
            facts.append(
                Fact(
                    id=f"versions:{key}",
                    kind="Global",
                    entity=key,
                    source="graph IN_VERSION",
                    priority=10,
                    text=versions_text(name, versions, *self.versions()),
                    data={"versions": versions},
                )
            )
            here = next((r for r in rows_v if r["version"] == version), None)
            for r in rows_v:
                if here and r["version"] != version and r.get("type") and r["type"] != here.get("type"):
                    facts.append(
                        Fact(
                            id=f"typediff:{key}@{r['version']}",
                            kind="Global",
                            entity=key,
                            source="graph IN_VERSION",
                            priority=6,
                            text=f"{name} has type `{r['type']}` in {r['version']}. In {version} its "
                            f"type is `{here['type']}`.",
                            data={"version": r["version"], "type": r["type"]},
                        )
                    )
        if g.get("struct"):
            facts += self.struct_facts(g["struct"], version, priority=20, fields=12)
        return facts

    def _facts_sequence(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_sequence", enum=enum)
        return (
            self.sequence_font_facts(enum, version)
            + self.related_functions("Seq", version)
            + [
                Fact(
                    id=f"seq:{enum}",
                    kind="Sequence",
                    entity=enum,
                    source="sequence table",
                    text=f"{enum} is sequence {hx(r.get('id'))}"
                    f"{' (' + r['name'] + ')' if r.get('name') else ''}"
                    f"{', medium ' + r['medium'] if r.get('medium') else ''}"
                    f"{', cache policy ' + r['cache_policy'] if r.get('cache_policy') else ''}.",
                    data=dict(r),
                )
                for r in rows[:1]
            ]
        )

    def _facts_sfx(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.run("context_sfx", enum=enum)
        return self.related_functions("Sfx", version) + [
            Fact(
                id=f"sfx:{enum}",
                kind="Sfx",
                entity=enum,
                source="sfx tables",
                text=f"{enum} is sound effect {hx(r.get('id'))}"
                f"{' in bank ' + r['bank'] if r.get('bank') else ''}"
                f"{', importance ' + str(r['importance']) if r.get('importance') is not None else ''}.",
                data=dict(r),
            )
            for r in rows[:1]
        ]

    def _facts_segment(self, name: str, version: str) -> list[Fact]:
        rows = self.q.run("context_segment", name=name, version=version)
        if not rows:
            return []
        s = rows[0]
        files = [f for f in s.get("files") or [] if f]
        traits = [t for t, on in (("compressed", s.get("compress")), ("an overlay", s.get("overlay"))) if on]
        facts = [
            Fact(
                id=f"segment:{name}",
                kind="Segment",
                entity=name,
                source="spec",
                text=f"Segment {name}"
                f"{' (number ' + str(s['number']) + ')' if s.get('number') is not None else ''}"
                f"{' is ' + ' and '.join(traits) if traits else ''}"
                f"{'; files: ' + ', '.join(files[:6]) if files else ''}.",
                data=dict(s),
            )
        ]
        if s.get("address") is not None:
            facts.append(
                Fact(
                    id=f"addr:{name}@{version}",
                    kind="Segment",
                    entity=name,
                    source=s.get("address_source") or "",
                    priority=5,
                    text=f"{name} starts at {hx(s['address'])} in {version}.",
                    data={"address": s["address"]},
                )
            )
        return facts

    # -- concepts -----------------------------------------------------------------------
    def _facts_concept(self, cid: str, version: str) -> list[Fact]:
        rows = self.q.run("context_concept", id=cid)
        if not rows:
            return []
        c = {**rows[0], "requires": sorted_list(rows[0].get("requires"))}
        facts = [
            Fact(
                id=f"concept:{cid}",
                kind="Concept",
                entity=cid,
                source="ingest/concepts",
                text=f"Concept '{c.get('title') or cid}' ({c.get('domain') or '?'}, difficulty "
                f"{c.get('difficulty') or '?'}): {c.get('summary') or ''}".strip(),
                data=dict(c),
            )
        ]
        for req in sorted(r for r in c.get("requires") or [] if r):
            facts.append(
                Fact(
                    id=f"requires:{cid}->{req}",
                    kind="Concept",
                    entity=req,
                    source="ingest/concepts",
                    priority=5,
                    text=f"{cid} builds on the concept {req}.",
                    data={"requires": req},
                )
            )
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
                facts += self.facts_of(kind, key, version)[:2]
            else:
                facts.append(
                    Fact(
                        id=f"covers:{cid}->{kind}:{key}",
                        kind=kind,
                        entity=key,
                        source="ingest/concepts",
                        priority=30,
                        text=f"{cid} involves {kind} {key}.",
                        data={},
                    )
                )
        return facts
