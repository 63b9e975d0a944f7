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

Row = dict[str, Any]
WARM_AFTER = 40


def _ver_key(r: Row) -> tuple:
    return (r["ordinal"] if r["ordinal"] is not None else 1 << 62, r["version"])


class Tables:
    def __init__(self, load: Callable[[str], list[Row]]) -> None:
        self._load = load
        self._data: dict[str, Any] = {}

    def _get(self, name: str, build: Callable[[list[Row]], Any]) -> Any:
        if name not in self._data:
            self._data[name] = build(self._load(name))
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
                v.sort(key=lambda r: (r["position"] if r["position"] is not None else 1 << 62,
                                      r["type"] or ""))
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

    def field_versions(self) -> dict[tuple[str, str], Row]:
        return self._get("context_all_field_versions",
                         lambda rows: {(r["struct"], r["field"], r["version"]): r for r in rows}
                         | {("__by_struct__", s): g for s, g in self._group(rows, "struct").items()})

    # -- the per-entity queries, emulated -------------------------------------------------
    def answer(self, name: str, p: dict[str, Any]) -> list[Row] | None:
        fn = getattr(self, "_q_" + name, None)
        return None if fn is None else fn(**p)

    def _q_context_function(self, name: str, version: str) -> list[Row]:
        f = self.functions().get(name)
        if f is None:
            return []
        iv = next((r for r in self.function_versions().get(name, []) if r["version"] == version),
                  None)
        base = {"name": name}
        for col in ("signature", "return_type", "params", "file", "line", "static"):
            value = iv.get(col) if iv is not None else None
            base[col] = value if value is not None else f[col]
        base["in_version"] = version if iv is not None else None
        locs = [r for r in self.addresses().get(name, []) if r["version"] == version]
        if not locs:
            return [{**base, "address": None, "size": None, "address_source": None}]
        return [{**base, "address": r["address"], "size": r["size"], "address_source": r["source"]}
                for r in locs]

    def _q_context_function_versions(self, name: str) -> list[Row]:
        rows = sorted(self.function_versions().get(name, []), key=_ver_key)
        return [{"version": r["version"], "ordinal": r["ordinal"], "signature": r["signature"],
                 "file": r["file"], "line": r["line"]} for r in rows]

    def _q_context_addresses(self, name: str) -> list[Row]:
        return [{"version": r["version"], "ordinal": r["ordinal"], "address": r["address"],
                 "source": r["source"]} for r in self.addresses().get(name, [])]

    def _q_context_param_types(self, name: str) -> list[Row]:
        return [{"position": r["position"], "type": r["type"], "file": r["file"]}
                for r in self.param_types().get(name, [])]

    def _q_context_callers(self, name: str, limit: int = 20) -> list[Row]:
        return [{"caller": r["caller"], "file": r["caller_file"], "line": r["caller_line"],
                 "count": r["count"], "versions": r["versions"]}
                for r in self.calls()[0].get(name, [])[: int(limit)]]

    def _q_context_callees(self, name: str, limit: int = 20) -> list[Row]:
        return [{"callee": r["callee"], "signature": r["callee_signature"],
                 "params": r["callee_params"], "return_type": r["callee_return_type"],
                 "file": r["callee_file"], "line": r["callee_line"], "count": r["count"],
                 "versions": r["versions"]}
                for r in self.calls()[1].get(name, [])[: int(limit)]]

    def _q_context_struct(self, name: str, version: str) -> list[Row]:
        s = self.structs().get(name)
        if s is None:
            return []
        iv = next((r for r in self.struct_versions().get(name, []) if r["version"] == version),
                  None)
        row = {"name": name, "kind": s["kind"]}
        for col in ("size", "align", "file", "line"):
            value = iv.get(col) if iv is not None else None
            row[col] = value if value is not None else s[col]
        row["in_version"] = version if iv is not None else None
        return [row]

    def _q_context_struct_fields(self, name: str, version: str) -> list[Row]:
        per = self.field_versions()
        out = []
        for f in sorted(self.fields().get(name, []),
                        key=lambda r: (r["position"] if r["position"] is not None else 1 << 62)):
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
        return [{"version": r["version"], "ordinal": r["ordinal"], "size": r["size"],
                 "file": r["file"], "line": r["line"]} for r in rows]

    def _q_context_field_versions(self, name: str) -> list[Row]:
        rows = self.field_versions().get(("__by_struct__", name), [])
        rows = sorted(rows, key=lambda r: (r["field"], *_ver_key(r)))
        return [{"field": r["field"], "version": r["version"], "ordinal": r["ordinal"],
                 "offset": r["offset"], "type": r["type"]} for r in rows]
