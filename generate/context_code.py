"""Facts about code entities for contexts: functions (signature, site, addresses, callers,
callees, version differences) and structs (size, members, layout differences).

A mixin of :class:`generate.context.ContextBuilder`; ``self.q`` runs the named queries.
"""

from __future__ import annotations

from typing import Any

from generate.context_mixin import FactMixin
from generate.context_util import _params, _struct_params, _where, hx, plural, versions_text
from generate.models import Fact


class CodeFacts(FactMixin):
    def _function_facts(self, name: str, version: str, *, priority: int = 0, deep: bool = True) -> list[Fact]:
        rows = sorted(
            self.q.run("context_function", name=name, version=version), key=lambda r: r.get("address_source") or ""
        )
        if not rows:
            return []
        r = rows[0]
        facts: list[Fact] = []
        where = _where(r.get("file"), r.get("line"))
        if r.get("signature"):
            present = r.get("in_version") is not None
            facts.append(
                Fact(
                    id=f"sig:{name}@{version}",
                    kind="Function",
                    entity=name,
                    source=where,
                    priority=priority,
                    text=f"`{r['signature']}` is {'defined' if present else 'known'} in {where or '?'}"
                    f"{' (' + version + ')' if present else ''}"
                    f"{'; it is static to that file' if r.get('static') else ''}.",
                    data={
                        "name": name,
                        "signature": r["signature"],
                        "return_type": r.get("return_type"),
                        "params": _params(r.get("params")),
                        "file": r.get("file"),
                        "line": r.get("line"),
                        "static": bool(r.get("static")),
                        "in_version": present,
                        "param_types": [
                            {"type": p["type"], "file": p.get("file")}
                            for p in self.q.run("context_param_types", name=name)
                        ],
                    },
                )
            )
        for row in rows:
            if row.get("address") is not None:
                src = row.get("address_source") or "symbols"
                facts.append(
                    Fact(
                        id=f"addr:{name}@{version}:{src}",
                        kind="Function",
                        entity=name,
                        source=src,
                        priority=priority + 5,
                        text=f"{name} is at RAM address {hx(row['address'])} in {version}"
                        f"{' (size ' + hx(row['size']) + ')' if row.get('size') else ''}.",
                        data={"name": name, "address": row["address"], "size": row.get("size")},
                    )
                )
        if not deep:
            return facts
        facts += self._versions_function(name, version, priority + 10)
        facts += self.address_facts(name, version, priority + 12)
        for c in self.q.run("context_callers", name=name, limit=12):
            if not _in_version(c, version):
                continue
            facts.append(
                Fact(
                    id=f"call:{c['caller']}->{name}",
                    kind="Function",
                    entity=c["caller"],
                    source=_where(c.get("file"), c.get("line")),
                    priority=priority + 20,
                    text=f"{c['caller']} calls {name}"
                    f"{' (' + str(c['count']) + ' call sites)' if (c.get('count') or 0) > 1 else ''}.",
                    data={"caller": c["caller"], "callee": name, "versions": c.get("versions") or []},
                )
            )
        for c in self.q.run("context_callees", name=name, limit=12):
            if not _in_version(c, version):
                continue
            sig = f" — `{c['signature']}`" if c.get("signature") else ""
            facts.append(
                Fact(
                    id=f"call:{name}->{c['callee']}",
                    kind="Function",
                    entity=c["callee"],
                    source=_where(c.get("file"), c.get("line")),
                    priority=priority + 15,
                    text=f"{name} calls {c['callee']}{sig}.",
                    data={
                        "caller": name,
                        "callee": c["callee"],
                        "signature": c.get("signature"),
                        "name": c["callee"],
                        "params": _params(c.get("params")),
                        "return_type": c.get("return_type"),
                        "versions": c.get("versions") or [],
                    },
                )
            )
        return facts

    def _versions_function(self, name: str, version: str, priority: int) -> list[Fact]:
        rows = self.q.run("context_function_versions", name=name)
        if not rows:
            return []
        versions = [r["version"] for r in rows]
        facts = [
            Fact(
                id=f"versions:{name}",
                kind="Function",
                entity=name,
                source="graph IN_VERSION",
                priority=priority,
                text=versions_text(name, versions, *self.versions()),
                data={"versions": versions},
            )
        ]
        here = next((r for r in rows if r["version"] == version), None)
        for r in rows:
            if here and r["version"] != version and r.get("signature") and r["signature"] != here.get("signature"):
                facts.append(
                    Fact(
                        id=f"sigdiff:{name}@{r['version']}",
                        kind="Function",
                        entity=name,
                        source=_where(r.get("file"), r.get("line")),
                        priority=priority - 5,
                        text=f"In {r['version']} the signature of {name} is `{r['signature']}` "
                        f"(in {version}: `{here['signature']}`).",
                        data={
                            "version": r["version"],
                            "signature": r["signature"],
                            "base_signature": here["signature"],
                        },
                    )
                )
        return facts

    def address_facts(self, name: str, version: str, priority: int) -> list[Fact]:
        """Addresses in the other versions (this version's come with the entity itself)."""
        return [
            Fact(
                id=f"addr:{name}@{r['version']}:{r.get('source') or 'symbols'}",
                kind="Function",
                entity=name,
                source=r.get("source") or "symbols",
                priority=priority,
                text=f"{name} is at RAM address {hx(r['address'])} in {r['version']}.",
                data={"name": name, "address": r["address"], "version": r["version"]},
            )
            for r in sorted(
                self.q.run("context_addresses", name=name),
                key=lambda r: (r.get("ordinal") or 0, r["version"], r.get("source") or ""),
            )
            if r["version"] != version and r.get("address") is not None
        ]

    def related_functions(self, text: str, version: str, priority: int = 20, limit: int = 4) -> list[Fact]:
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
    def _struct_facts(self, name: str, version: str, fields: int = 200, *, priority: int = 0) -> list[Fact]:
        rows = self.q.run("context_struct", name=name, version=version)
        if not rows:
            return []
        r = rows[0]
        where = _where(r.get("file"), r.get("line"))
        facts = []
        if r.get("size") is not None:
            facts.append(
                Fact(
                    id=f"size:{name}@{version}",
                    kind="Struct",
                    entity=name,
                    source=where,
                    priority=priority,
                    text=f"{r.get('kind') or 'struct'} {name} is {hx(r['size'])} ({r['size']}) bytes"
                    f"{', alignment ' + str(r['align']) if r.get('align') else ''} in {version}"
                    f"{', defined in ' + where if where else ''}.",
                    data={
                        "name": name,
                        "size": r["size"],
                        "align": r.get("align"),
                        "file": r.get("file"),
                        "line": r.get("line"),
                    },
                )
            )
        all_fields = self.q.run("context_struct_fields", name=name, version=version)
        for fr in all_fields[:fields]:
            if fr.get("offset") is None:
                continue
            pos = fr.get("position") or 0
            facts.append(
                Fact(
                    id=f"field:{name}.{fr['field']}@{version}",
                    kind="Field",
                    entity=fr.get("id") or f"{name}.{fr['field']}",
                    source=where,
                    priority=priority + 10 + min(pos, 80),
                    text=f"{name}.{fr['field']} is at offset {hx(fr['offset'])}"
                    f"{', size ' + hx(fr['size']) if fr.get('size') else ''}"
                    f", type `{fr.get('type') or '?'}` ({version}).",
                    data={
                        "struct": name,
                        "field": fr["field"],
                        "offset": fr["offset"],
                        "size": fr.get("size"),
                        "type": fr.get("type"),
                        "position": pos,
                    },
                )
            )
        listed = {fr["field"]: fr.get("position") or 0 for fr in all_fields[:fields]}
        facts += self._versions_struct(name, version, priority, listed, complete=len(all_fields) <= fields)
        return facts

    def _versions_struct(
        self, name: str, version: str, priority: int, listed: dict[str, int], *, complete: bool
    ) -> list[Fact]:
        """Size and member-offset differences with other versions. A member's difference
        ranks right after the member; for a layout shown only in part, the members not shown
        are summed up in one count instead of one fact each."""
        sizes = self.q.run("context_struct_versions", name=name)
        facts: list[Fact] = []
        here = next((r for r in sizes if r["version"] == version), None)
        for r in sizes:
            if here and r["version"] != version and r.get("size") is not None and r["size"] != here.get("size"):
                facts.append(
                    Fact(
                        id=f"sizediff:{name}@{r['version']}",
                        kind="Struct",
                        entity=name,
                        source=_where(r.get("file"), r.get("line")),
                        priority=priority + 8,
                        text=f"{name} is {hx(r['size'])} bytes in {r['version']}. "
                        f"In {version} it is {hx(here['size'])} bytes.",
                        data={"version": r["version"], "size": r["size"], "base_size": here["size"]},
                    )
                )
        if not here:
            return facts
        offsets: dict[str, dict[str, int]] = {}
        types: dict[str, str] = {}  # each member's type in ``version``
        for r in self.q.run("context_field_versions", name=name):
            offsets.setdefault(r["field"], {})[r["version"]] = r["offset"]
            if r["version"] == version and r.get("type"):
                types[r["field"]] = r["type"]
        hidden: dict[str, int] = {}
        for fld, per in offsets.items():
            base = per.get(version)
            for v, off in per.items():
                if base is None or off is None or off == base:
                    continue
                if not complete and fld not in listed:
                    hidden[v] = hidden.get(v, 0) + 1
                    continue
                facts.append(
                    Fact(
                        id=f"offdiff:{name}.{fld}@{v}",
                        kind="Field",
                        entity=f"{name}.{fld}",
                        source="graph IN_VERSION",
                        priority=priority + 10 + min(listed.get(fld, 80), 80),
                        text=f"{name}.{fld} is at offset {hx(off)} in {v}. In {version} it is at {hx(base)}.",
                        data={"struct": name, "field": fld, "version": v, "offset": off, "base_offset": base},
                    )
                )
        facts += self._shift_causes(name, version, offsets, types, priority)
        for v, n in sorted(hidden.items()):
            facts.append(
                Fact(
                    id=f"offdiffcount:{name}@{v}",
                    kind="Struct",
                    entity=name,
                    source="graph IN_VERSION",
                    priority=priority + 9,
                    text=f"{plural(n, 'further member')} of {name} sit at another offset in {v} than in {version}.",
                    data={"version": v, "count": n},
                )
            )
        return facts

    def _shift_causes(
        self, name: str, version: str, offsets: dict[str, dict[str, int]], types: dict[str, str], priority: int
    ) -> list[Fact]:
        """Why members move between versions: the first member that moves, and the member
        before it when that one's own type changed size by the same amount (an embedded
        ``Actor``/``DynaPolyActor`` is bigger on debug ROMs, so everything after it shifts)."""
        order = sorted((per[version], fld) for fld, per in offsets.items() if per.get(version) is not None)
        out: list[Fact] = []
        others = sorted({v for per in offsets.values() for v in per} - {version})
        for v in others:
            moved = [
                (base, fld, per[v] - base)
                for base, fld in order
                if (per := offsets[fld]).get(v) is not None and per[v] != base
            ]
            if not moved:
                continue
            base1, first, _ = moved[0]
            shifts = {d for _, _, d in moved}
            before = [fld for base, fld in order if base < base1]
            prev = before[-1] if before else None
            text = f"In {name}, the first member that moves between {v} and {version} is {first}"
            if len(shifts) == 1:
                d = -next(iter(shifts))  # how much further it is in ``version``
                text += (
                    f"; every member from it on is {abs(d):#x} bytes {'further' if d > 0 else 'earlier'} in {version}"
                )
                t = types.get(prev or "", "").replace("struct ", "").strip()
                sizes = (
                    {r["version"]: r.get("size") for r in self.q.run("context_struct_versions", name=t)}
                    if t and t.isidentifier()
                    else {}
                )
                if (
                    prev
                    and sizes.get(version) is not None
                    and sizes.get(v) is not None
                    and sizes[version] - sizes[v] == d
                ):
                    text += (
                        f": the member before it, {prev} ({t}), is {hx(sizes[version])} "
                        f"bytes in {version} and {hx(sizes[v])} in {v}, so {t} itself "
                        "changed size and everything after it moves with it"
                    )
                only = sorted(fld for fld, per in offsets.items() if (version in per) != (v in per))
                if only and "changed size" not in text:
                    text += (
                        f"; {', '.join(only[:3])} "
                        f"{'exists' if len(only) == 1 else 'exist'} in only one of the two "
                        "versions (an #if block inside the struct)"
                    )
            else:
                text += " (the members after it move by different amounts: look for an #if block inside the struct)"
            out.append(
                Fact(
                    id=f"shift:{name}@{v}",
                    kind="Struct",
                    entity=name,
                    source="graph IN_VERSION",
                    priority=priority + 9,
                    text=text + ".",
                    data={"version": v, "first": first, "before": prev},
                )
            )
        return out

    def _facts_struct(self, name: str, version: str) -> list[Fact]:
        return self.struct_facts(name, version)


def _in_version(call: dict[str, Any], version: str) -> bool:
    """A call the version makes: one of another version's build (a debug ROM's PRINTF, a
    retail build's DmaMgr_RequestAsync) is no fact of this one ("X calls Y" would be false)."""
    versions = call.get("versions")
    return not versions or version in versions
