"""The DEFAULT code provider: the code issue 16 put in the graph (``kg.code``).

Definitions come from ``Function.source``, ``Struct.definition`` and ``Global.initializer``
(verbatim, with the file and lines ingest recorded), ``#if`` branches and the versions that
compile them from ``VersionBlock``, runtime wiring from ``ASSIGNS``/``PASSES`` (a function
stored in ``Actor.draw`` is the draw the actor runs; a limb callback passed to
``SkelAnime_DrawFlexOpa`` is passed, never called), the patterns a target follows with one
real excerpt each from ``Pattern.excerpts``, and exemplars from ``similar_actors``. Snippets
say ``graph``. What the graph does not hold (the sfx/actor tables, the spec, asset XML,
greps over every file) comes from the checkout fallback when one is reachable, and those
snippets keep saying ``checkout-fallback``.
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import Any

from generate.code import GRAPH, CodeSnippet
from generate.code.cscan import Source, calls
from generate.code.graph_patterns import GraphPatterns

log = logging.getLogger(__name__)

MAX_LINES = 90  # as the checkout provider: a longer definition is cut, its head kept


def has_code(store: Any) -> bool:
    """Whether the graph holds source text (issue 16's ingest)."""
    try:
        return bool(store.run("MATCH (f:Function) WHERE f.source IS NOT NULL RETURN f.name AS n LIMIT 1"))
    except Exception:  # noqa: BLE001 - an older graph without the property
        return False


_TABLE_FORMAT = 2  # bump when how a table is built changes (kept tables are rebuilt)


def _row_order(row: dict[str, Any]) -> tuple:
    return tuple((v is None, str(v)) for v in row.values())


class GraphCode(GraphPatterns):
    provenance = GRAPH

    def __init__(self, store: Any, q: Any, fallback: Any = None) -> None:
        self.store = store
        self.q = q
        self.fallback = fallback
        self._scanned: dict[tuple[str, str, int, int], list[dict[str, Any]]] = {}
        self._through: dict[tuple[str, str], list[str]] = {}

    # -- whole-graph tables: one query per kind for a run, kept between runs ----------------
    def _table(self, name: str, query: str, key: str) -> dict[str, list[dict[str, Any]]]:
        """``query``'s rows grouped by column ``key``. One whole-graph query costs about as
        much as a few dozen by name (all function sources: ~13k rows, 12 MB), and with a
        derived cache (``kg.derived``) the next run reads it back in milliseconds."""

        def group(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
            out: dict[str, list[dict[str, Any]]] = {}
            for r in rows:
                out.setdefault(r.pop(key), []).append(r)
            # rows in one order whatever the store's scan order (it varies between runs of a
            # query): a choice among rows (a static's file, a wire at a line) is the same
            # every run
            for grouped in out.values():
                grouped.sort(key=_row_order)
            return out

        return self.q.kept(f"graphcode-{name}", query, group, salt=str(_TABLE_FORMAT))

    @cached_property
    def _functions(self) -> dict[str, list[dict[str, Any]]]:
        return self._table(
            "functions",
            "MATCH (f:Function) WHERE f.source IS NOT NULL RETURN "
            "f.name AS key, f.file AS file, f.start_line AS start_line, "
            "f.end_line AS end_line, f.source AS text",
            "key",
        )

    @cached_property
    def _structs(self) -> dict[str, list[dict[str, Any]]]:
        return self._table(
            "structs",
            "MATCH (s:Struct) WHERE s.definition IS NOT NULL RETURN "
            "s.name AS key, s.file AS file, s.start_line AS start_line, "
            "s.end_line AS end_line, s.definition AS text",
            "key",
        )

    @cached_property
    def _globals(self) -> dict[str, list[dict[str, Any]]]:
        return self._table(
            "globals",
            "MATCH (g:Global) WHERE g.initializer IS NOT NULL RETURN "
            "g.id AS key, g.file AS file, g.start_line AS start_line, "
            "g.end_line AS end_line, g.initializer AS text",
            "key",
        )

    @cached_property
    def _blocks(self) -> dict[str, list[dict[str, Any]]]:
        return self._table(
            "blocks",
            "MATCH (b:VersionBlock) RETURN b.file AS file, b.line AS "
            "line, b.last_line AS last_line, b.endif_line AS endif_line, b.text AS "
            "text, b.directive AS directive, b.condition AS condition, b.versions "
            "AS versions, b.block AS block ORDER BY file, line",
            "file",
        )

    @cached_property
    def _wires(self) -> dict[str, list[dict[str, Any]]]:
        table = self._table(
            "wiring",
            "MATCH (s:Function)-[x:ASSIGNS]->(f:Function) RETURN s.name AS owner, 'assigns' AS "
            "how, f.name AS function, x.field AS field, x.via AS via, '' AS callee, '' AS param, "
            "x.line AS line UNION ALL MATCH (s:Function)-[x:PASSES]->(f:Function) RETURN s.name "
            "AS owner, 'passes' AS how, f.name AS function, '' AS field, '' AS via, "
            "coalesce(x.callee, '(indirect call)') AS callee, coalesce(x.param, x.site, '') AS "
            "param, x.line AS line",
            "owner",
        )
        for rows in table.values():
            rows.sort(key=lambda r: (r["line"] or 0, r["function"]))
        return table

    # -- definitions -----------------------------------------------------------------------
    def _snippet(self, r: dict[str, Any], *, id: str, kind: str, entity: str, max_lines: int | None) -> CodeSnippet:
        text = r["text"].rstrip("\n")
        first, last = r["start_line"], r["end_line"]
        note = ""
        n = text.count("\n") + 1
        if max_lines is not None and n > max_lines:
            text = "\n".join(text.split("\n")[:max_lines])
            note = f"cut at {max_lines} of {n} lines"
        last = first + text.count("\n")
        return CodeSnippet(
            id=id,
            role="own",
            entity=entity,
            kind=kind,
            file=r["file"],
            first=first,
            last=last,
            text=text,
            provenance=GRAPH,
            note=note,
        )

    @staticmethod
    def _pick(rows: list[dict[str, Any]], file: str | None, line: int | None) -> dict[str, Any] | None:
        if not rows:
            return None
        for r in rows:
            if file and r["file"] == file and (not line or r["start_line"] <= line <= r["end_line"]):
                return r
        return next((r for r in rows if file and r["file"] == file), None) or (rows[0] if not file else None)

    def function(self, name: str, file: str | None, line: int | None, *, whole: bool = False) -> CodeSnippet | None:
        r = self._pick(self._functions.get(name, []), file, line)
        if r is None:
            return None
        snip = self._snippet(
            r, id=f"code:fn:{name}", kind="Function", entity=name, max_lines=None if whole else MAX_LINES
        )
        snip.data["calls"] = [dict(c) for c in self._calls_in(snip)]
        snip.data["end"] = r["end_line"]
        return snip

    def _calls_in(self, snip: CodeSnippet) -> list[dict[str, Any]]:
        """The calls in a definition as written, with their lines (the graph's CALLS keep
        only the first line): scanned once per definition and run (contexts share callees)."""
        key = (snip.entity, snip.file, snip.first, snip.last)
        found = self._scanned.get(key)
        if found is None:
            src = Source(snip.file, snip.text)
            off = snip.first - 1
            found = self._scanned[key] = [
                {"name": c.name, "line": c.line + off, "args": c.args} for c in calls(src, 1, src.lines)
            ]
        return found

    def struct(self, name: str, file: str | None, line: int | None) -> CodeSnippet | None:
        rows = self._structs.get(name, [])
        r = self._pick(rows, file, None) or (rows[0] if rows else None)
        return (
            None
            if r is None
            else self._snippet(r, id=f"code:struct:{name}", kind="Struct", entity=name, max_lines=MAX_LINES)
        )

    def global_def(self, key: str, name: str, file: str | None, line: int | None) -> CodeSnippet | None:
        rows = self._globals.get(key)
        return (
            None
            if not rows
            else self._snippet(rows[0], id=f"code:data:{key}", kind="Global", entity=key, max_lines=MAX_LINES)
        )

    # -- #if branches ------------------------------------------------------------------------
    def _file_blocks(self, file: str) -> list[dict[str, Any]]:
        return self._blocks.get(file, [])

    def version_blocks(self, snippet: CodeSnippet) -> list[CodeSnippet]:
        """The ``#if`` blocks inside ``snippet`` (their lines, from its text) or around it
        (the opening directive's line), each with its branches and the versions of each."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for b in self._file_blocks(snippet.file):
            groups.setdefault(b["block"] or f"{snippet.file}:{b['line']}", []).append(b)
        lines = snippet.lines()
        out = []
        for branches in groups.values():
            head = branches[0]
            endif = head["endif_line"] or branches[-1]["last_line"] + 1
            inside = snippet.first <= head["line"] <= snippet.last
            around = head["line"] < snippet.first and endif > snippet.last
            if not (inside or around):
                continue
            if inside:
                last = min(endif, snippet.last, head["line"] + 24)
                text = "\n".join(lines[head["line"] - snippet.first : last - snippet.first + 1])
            else:
                last = head["line"]
                text = (head["text"] or "").split("\n")[0]
            if not text.strip():
                continue
            br = [
                {
                    "line": b["line"],
                    "directive": (b["directive"] or "").lstrip("#"),
                    "condition": b["condition"] or "",
                    "last": b["last_line"],
                    "versions": list(b["versions"] or []),
                }
                for b in branches
            ]
            out.append(
                CodeSnippet(
                    id=f"code:if:{snippet.file}:{head['line']}",
                    role="ifblock",
                    entity=snippet.entity,
                    kind=snippet.kind,
                    file=snippet.file,
                    first=head["line"],
                    last=head["line"] + text.count("\n"),
                    text=text,
                    provenance=GRAPH,
                    data={"branches": br, "endif": endif, "encloses": around},
                )
            )
        return out

    # -- wiring (patterns and exemplars: GraphPatterns) ------------------------------------
    def wiring_of(self, name: str) -> list[dict[str, Any]]:
        """What ``name``'s body stores in fields (``assigns``) and passes as arguments
        (``passes``): the function, the field or the callee and its parameter, the line."""
        return self._wires.get(name, [])

    def calls_through(self, file: str, field: str) -> list[str]:
        """The functions of ``file`` that call through ``field`` (``EnTest.actionFunc``) as
        ``this->actionFunc(...)`` with ``this`` of that struct: who runs what a wired function
        is stored in. A member name alone says too little (``.init(`` is also a transition's
        init), so only that form counts; none found means the code does not show it here."""
        struct, _, member = field.rpartition(".")
        key = (file, field)
        found = self._through.get(key)
        if found is None:
            call = re.compile(rf"\bthis->{re.escape(member)}\s*\(")
            this = re.compile(rf"\b{re.escape(struct)}\s*\*\s*this\b")
            found = self._through[key] = sorted(
                n for n, text in self._by_file.get(file, []) if call.search(text) and this.search(text)
            )
        return found

    @cached_property
    def _by_file(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for name, rows in self._functions.items():
            for r in rows:
                out.setdefault(r["file"], []).append((name, r["text"]))
        return out

    # -- what the graph does not hold: the checkout fallback -----------------------------------
    def table_entry(self, kind: str, key: str) -> CodeSnippet | None:
        return self.fallback.table_entry(kind, key) if self.fallback else None

    def uses(self, constant: str, limit: int = 6) -> list[CodeSnippet]:
        return self.fallback.uses(constant, limit) if self.fallback else []

    def grep(self, pattern: str, limit: int = 400) -> list[tuple[str, int]]:
        return self.fallback.grep(pattern, limit) if self.fallback else []

    def document(self, path: str, *, entity: str, kind: str, lang: str, max_lines: int = 60) -> CodeSnippet | None:
        return (
            self.fallback.document(path, entity=entity, kind=kind, lang=lang, max_lines=max_lines)
            if self.fallback
            else None
        )

    def find(
        self, path: str, pattern: str, *, role: str, entity: str, kind: str, before: int = 1, after: int = 3
    ) -> CodeSnippet | None:
        return (
            self.fallback.find(path, pattern, role=role, entity=entity, kind=kind, before=before, after=after)
            if self.fallback
            else None
        )

    def built_versions(self) -> list[str]:
        if self.fallback:
            return self.fallback.built_versions()
        try:
            rows = self.store.run("MATCH (r:IngestRun) RETURN r.built_versions AS b")
        except Exception:  # noqa: BLE001 - an older graph
            return []
        return list(rows[0]["b"] or []) if rows else []
