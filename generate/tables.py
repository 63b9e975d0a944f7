"""Whole-graph tables for long runs: the hot per-entity context queries answered from memory.

A context costs about ten small queries (~1 ms each on the embedded store). Once a
run has asked one of them often enough (``WARM_AFTER`` calls), its bulk form
(``queries/context_all_*.cypher``, one query for the whole graph, ~0.1-0.3 s on the
decomp) is loaded and later calls are answered from dicts, with the same rows, in
the same order, as the per-entity query would return (``tests/test_generate_tables.py``
checks that on every function and struct of a graph).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from generate.tables_domain import DOMAIN_ANSWERS, DomainTables

Row = dict[str, Any]
WARM_AFTER = 40


def _last(value: Any) -> tuple:
    """Sort key of ORDER BY on one column: nulls after every value."""
    return (value is None, value if value is not None else 0)


def _ver_key(r: Row) -> tuple:
    return (r["ordinal"] if r["ordinal"] is not None else 1 << 62, r["version"])


class Tables(DomainTables):
    """``keep(name, make)`` stores a built table across runs (``kg.derived``); the default
    builds it every run."""

    def __init__(
        self, load: Callable[[str], list[Row]], keep: Callable[[str, Callable[[], Any]], Any] | None = None
    ) -> None:
        self._load = load
        self._keep = keep or (lambda name, make: make())
        self._data: dict[str, Any] = {}

    def _get(self, name: str, build: Callable[[list[Row]], Any]) -> Any:
        if name not in self._data:
            self._data[name] = self._keep(name, lambda: build(self._load(name)))
        return self._data[name]

    @staticmethod
    def _group(rows: list[Row], key: str) -> dict[Any, list[Row]]:
        out: dict[Any, list[Row]] = defaultdict(list)
        for r in rows:
            out[r[key]].append(r)
        return out

    def functions(self) -> dict[str, Row]:
        return self._get("context_all_functions", lambda rows: {r["name"]: r for r in rows})

    def function_versions(self) -> dict[str, list[Row]]:
        return self._get("context_all_function_versions", lambda rows: self._group(rows, "name"))

    def addresses(self) -> dict[str, list[Row]]:
        return self._get("context_all_addresses", lambda rows: self._group(rows, "name"))

    def param_types(self) -> dict[str, list[Row]]:
        def build(rows: list[Row]) -> dict[str, list[Row]]:
            out = self._group(rows, "name")
            for v in out.values():
                v.sort(key=lambda r: (r["position"] if r["position"] is not None else 1 << 62, r["type"] or ""))
            return out

        return self._get("context_all_param_types", build)

    def calls(self) -> tuple[dict[str, list[Row]], dict[str, list[Row]]]:
        def build(rows: list[Row]) -> tuple[dict, dict]:
            into, out = self._group(rows, "callee"), self._group(rows, "caller")
            for v in into.values():
                v.sort(key=lambda r: r["caller"])
            for v in out.values():
                v.sort(key=lambda r: r["callee"])
            return into, out

        return self._get("context_all_calls", build)

    def structs(self) -> dict[str, Row]:
        return self._get("context_all_structs", lambda rows: {r["name"]: r for r in rows})

    def struct_versions(self) -> dict[str, list[Row]]:
        return self._get("context_all_struct_versions", lambda rows: self._group(rows, "name"))

    def fields(self) -> dict[str, list[Row]]:
        return self._get("context_all_fields", lambda rows: self._group(rows, "struct"))

    def field_versions(self) -> dict[tuple[str, ...], Any]:
        """(struct, field, version) -> its row, and ("__by_struct__", struct) -> its rows."""
        return self._get(
            "context_all_field_versions",
            lambda rows: (
                {(r["struct"], r["field"], r["version"]): r for r in rows}
                | {("__by_struct__", s): g for s, g in self._group(rows, "struct").items()}
            ),
        )

    def actors(self) -> dict[str, list[Row]]:
        return self._get("context_all_actors", lambda rows: self._group(rows, "enum"))

    def profile_fns(self) -> dict[str, list[Row]]:
        def build(rows: list[Row]) -> dict[str, list[Row]]:
            out = self._group(rows, "enum")
            for v in out.values():
                v.sort(key=lambda r: (_last(r["role"]), _last(r["function"])))
            return out

        return self._get("context_all_profile_fns", build)

    def actor_objects(self) -> dict[str, list[Row]]:
        def build(rows: list[Row]) -> dict[str, list[Row]]:
            out = self._group(rows, "enum")
            for v in out.values():
                v.sort(key=lambda r: (_last(r["via"]), _last(r["object"])))
            return out

        return self._get("context_all_actor_objects", build)

    def file_globals(self) -> dict[str, list[Row]]:
        def build(rows: list[Row]) -> dict[str, list[Row]]:
            out = self._group(rows, "file")
            for v in out.values():
                v.sort(key=lambda r: (_last(r["line"]), _last(r["id"])))
            return out

        return self._get("context_all_file_globals", build)

    # -- the per-entity queries, emulated -------------------------------------------------
    def _q_context_actor(self, enum: str) -> list[Row]:
        return [{k: v for k, v in r.items()} for r in self.actors().get(enum, [])]

    def _q_context_actor_profile(self, enum: str) -> list[Row]:
        return [
            {
                "role": r["role"],
                "function": r["function"],
                "signature": r["signature"],
                "file": r["file"],
                "line": r["line"],
            }
            for r in self.profile_fns().get(enum, [])
        ]

    def _q_context_actor_objects(self, enum: str) -> list[Row]:
        return [
            {"object": r["object"], "id": r["id"], "segment": r["segment"], "via": r["via"], "versions": r["versions"]}
            for r in self.actor_objects().get(enum, [])
        ]

    def _q_context_file_globals(self, file: str) -> list[Row]:
        return [
            {"id": r["id"], "name": r["name"], "type": r["type"], "line": r["line"]}
            for r in self.file_globals().get(file, [])
        ]

    def answer(self, name: str, p: dict[str, Any]) -> list[Row] | None:
        fn = _ANSWERS.get(name)
        return None if fn is None else fn(self, **p)

    def _q_context_function(self, name: str, version: str) -> list[Row]:
        f = self.functions().get(name)
        if f is None:
            return []
        iv = next((r for r in self.function_versions().get(name, []) if r["version"] == version), None)
        base: Row = {"name": name}
        for col in ("signature", "return_type", "params", "file", "line", "static"):
            value = iv.get(col) if iv is not None else None
            base[col] = value if value is not None else f[col]
        base["in_version"] = version if iv is not None else None
        locs = [r for r in self.addresses().get(name, []) if r["version"] == version]
        if not locs:
            return [{**base, "address": None, "size": None, "address_source": None}]
        return [{**base, "address": r["address"], "size": r["size"], "address_source": r["source"]} for r in locs]

    def _q_context_function_versions(self, name: str) -> list[Row]:
        rows = sorted(self.function_versions().get(name, []), key=_ver_key)
        return [
            {
                "version": r["version"],
                "ordinal": r["ordinal"],
                "signature": r["signature"],
                "file": r["file"],
                "line": r["line"],
            }
            for r in rows
        ]

    def _q_context_addresses(self, name: str) -> list[Row]:
        return [
            {"version": r["version"], "ordinal": r["ordinal"], "address": r["address"], "source": r["source"]}
            for r in self.addresses().get(name, [])
        ]

    def _q_context_param_types(self, name: str) -> list[Row]:
        return [
            {"position": r["position"], "type": r["type"], "file": r["file"]} for r in self.param_types().get(name, [])
        ]

    def _q_context_callers(self, name: str, limit: int = 20) -> list[Row]:
        fns = self.functions()
        return [
            {
                "caller": r["caller"],
                "file": fns[r["caller"]]["file"],
                "line": fns[r["caller"]]["line"],
                "count": r["count"],
                "versions": r["versions"],
            }
            for r in self.calls()[0].get(name, [])[: int(limit)]
        ]

    def _q_context_callees(self, name: str, limit: int = 20) -> list[Row]:
        fns = self.functions()
        out = []
        for r in self.calls()[1].get(name, [])[: int(limit)]:
            f = fns[r["callee"]]
            out.append(
                {
                    "callee": r["callee"],
                    "signature": f["signature"],
                    "params": f["params"],
                    "return_type": f["return_type"],
                    "file": f["file"],
                    "line": f["line"],
                    "count": r["count"],
                    "versions": r["versions"],
                }
            )
        return out

    def _q_context_struct(self, name: str, version: str) -> list[Row]:
        s = self.structs().get(name)
        if s is None:
            return []
        iv = next((r for r in self.struct_versions().get(name, []) if r["version"] == version), None)
        row = {"name": name, "kind": s["kind"]}
        for col in ("size", "align", "file", "line"):
            value = iv.get(col) if iv is not None else None
            row[col] = value if value is not None else s[col]
        row["in_version"] = version if iv is not None else None
        return [row]

    def _q_context_struct_fields(self, name: str, version: str) -> list[Row]:
        per = self.field_versions()
        out = []
        for f in sorted(
            self.fields().get(name, []), key=lambda r: r["position"] if r["position"] is not None else 1 << 62
        ):
            iv = per.get((name, f["field"], version))
            row = {"id": f["id"], "field": f["field"], "position": f["position"]}
            for col in ("offset", "size", "type"):
                value = iv.get(col) if iv is not None else None
                row[col] = value if value is not None else f[col]
            row["in_version"] = version if iv is not None else None
            out.append(row)
        return out

    def _q_context_struct_versions(self, name: str) -> list[Row]:
        rows = sorted(self.struct_versions().get(name, []), key=_ver_key)
        return [
            {"version": r["version"], "ordinal": r["ordinal"], "size": r["size"], "file": r["file"], "line": r["line"]}
            for r in rows
        ]

    def _q_context_field_versions(self, name: str) -> list[Row]:
        rows: list[Row] = self.field_versions().get(("__by_struct__", name), [])
        rows = sorted(rows, key=lambda r: (r["field"], *_ver_key(r)))
        return [
            {
                "field": r["field"],
                "version": r["version"],
                "ordinal": r["ordinal"],
                "offset": r["offset"],
                "type": r["type"],
            }
            for r in rows
        ]


# the named queries these tables answer without the store (query name -> its answer)
_ANSWERS: dict[str, Callable[..., list[Row]]] = {
    "context_actor": Tables._q_context_actor,
    "context_actor_profile": Tables._q_context_actor_profile,
    "context_actor_objects": Tables._q_context_actor_objects,
    "context_file_globals": Tables._q_context_file_globals,
    "context_function": Tables._q_context_function,
    "context_function_versions": Tables._q_context_function_versions,
    "context_addresses": Tables._q_context_addresses,
    "context_param_types": Tables._q_context_param_types,
    "context_callers": Tables._q_context_callers,
    "context_callees": Tables._q_context_callees,
    "context_struct": Tables._q_context_struct,
    "context_struct_fields": Tables._q_context_struct_fields,
    "context_struct_versions": Tables._q_context_struct_versions,
    "context_field_versions": Tables._q_context_field_versions,
    **DOMAIN_ANSWERS,
}
