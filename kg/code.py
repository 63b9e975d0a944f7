"""The code in the graph, for programs: source text (as written, or as one version compiles
it), ``#if`` blocks, runtime wiring, how a function is used, and the mined patterns with
their version compatibility. Every function here runs the named queries (``queries/``), so it
works on either store; the ``render_*`` functions are those queries' ``// render:`` step.

    from kg.code import source, wiring, pattern
    with open_store(settings) as store:
        src = source(store, "EnZl4_Init", version="ntsc-1.0")[0]
        print(src.location, src.text)
        for w in wiring(store, "En_Zl4"): ...
        p = pattern(store, "cylinder-collider"); p.excerpts[0].snippets[0].text

A definition's text as a version compiles it: the version's own text when its definition
sits inside an ``#if`` (``IN_VERSION.text``), else the text as written with the branches that
version does not compile (``VersionBlock.versions``) and the directive lines left out.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from kg.queries import QueryCatalog, run_named


def _raw(store: Any, query_name: str, /, **params: Any) -> list[dict[str, Any]]:
    """A named query's rows before its ``render`` step."""
    q = QueryCatalog(store=getattr(store, "kind", "embedded")).get(query_name)
    return store.run(q.runnable, q.bind(params))


class Block(BaseModel):
    """One #if branch: its directive's line, the last line of its body, the #endif."""

    line: int
    last_line: int
    directive: str
    versions: list[str]
    endif_line: int | None = None


class SourceView(BaseModel):
    kind: str  # Function, Struct or Global
    name: str  # a global's key (file:name for a static)
    file: str
    start_line: int
    end_line: int
    text: str  # as written, or as ``version`` compiles it
    version: str | None = None
    blocks: list[Block] = Field(default_factory=list)  # the #if branches in or around it

    @property
    def location(self) -> str:
        return f"{self.file}:{self.start_line}-{self.end_line}"


def blocks_in(store: Any, file: str, first: int, last: int) -> list[Block]:
    """The #if branches of ``file`` with a line (directive, body, #endif) in first..last."""
    out = []
    for r in run_named(store, "version_blocks", file=file):
        end = max(r["last_line"], r["endif_line"] or 0)
        if r["line"] <= last and end >= first:
            out.append(
                Block(
                    line=r["line"],
                    last_line=r["last_line"],
                    directive=r["directive"],
                    versions=list(r["versions"] or []),
                    endif_line=r["endif_line"],
                )
            )
    return out


def render_text(text: str, first: int, blocks: list[Block], version: str) -> str:
    """``text`` (lines first.. of a file) as ``version`` compiles it: the branches it does not
    compile and every #if/#elif/#else/#endif line left out."""
    lines = text.split("\n")
    drop: set[int] = set()
    for b in blocks:
        if version not in b.versions:
            drop.update(range(b.line, b.last_line + 1))
        else:
            k = b.line  # the directive, with its continuation lines
            drop.add(k)
            while k - first < len(lines) - 1 and 0 <= k - first and lines[k - first].rstrip().endswith("\\"):
                k += 1
                drop.add(k)
        if b.endif_line:
            drop.add(b.endif_line)
    return "\n".join(line for i, line in enumerate(lines, first) if i not in drop)


def render_source(store: Any, params: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``source`` query's rows with ``text`` as ``version`` compiles it (when one is
    given) and the #if branches inside as ``blocks``."""
    version = params.get("version", "*")
    out = []
    for r in rows:
        if version != "*" and (r.get("version") is None or r.get("defined") is False):
            continue  # not defined in that version (absent, or only declared)
        blocks = blocks_in(store, r["file"], r["start_line"], r["end_line"])
        text = r["text"]
        if version != "*":
            text = (
                r["version_text"]
                if r.get("version_text") is not None
                else render_text(text, r["start_line"], blocks, version)
            )
        out.append(
            {
                "kind": r["kind"],
                "name": r["name"],
                "file": r["file"],
                "start_line": r["start_line"],
                "end_line": r["end_line"],
                "version": version if version != "*" else None,
                "blocks": [f"{b.line}: {b.directive} -> {', '.join(b.versions) or 'none'}" for b in blocks] or None,
                "text": text,
            }
        )
    return out


def source(store: Any, name: str, version: str | None = None, file: str | None = None) -> list[SourceView]:
    """Every definition named ``name`` (a function, a struct, a global's initializer; several
    statics may share a name: ``file`` picks one), as written or as ``version`` compiles it."""
    rows = run_named(store, "source", name=name, version=version or "*", file=file or "*")
    return [
        SourceView(
            kind=r["kind"],
            name=r["name"],
            file=r["file"],
            start_line=r["start_line"],
            end_line=r["end_line"],
            text=r["text"],
            version=r["version"],
            blocks=blocks_in(store, r["file"], r["start_line"], r["end_line"]),
        )
        for r in rows
    ]


class Wire(BaseModel):
    kind: str  # profile | runtime (Actor.draw/update) | field | callback | table
    slot: str  # the role, field, parameter or table
    function: str
    set_by: str  # who stores / passes it (the actor for a profile entry)
    via: str = ""  # the helper that stores it, or the function it is passed to
    at: str | None = None  # file name:line (in the actor's directory)


def wiring(store: Any, actor: str) -> list[Wire]:
    """How ``actor`` (En_Zl4, ovl_En_Zl4, ACTOR_EN_ZL4) is wired: profile functions, runtime
    assignments (Actor.draw/update), fields set (actionFunc) with their setters, callbacks
    passed to other functions, function tables."""
    return [Wire(**r) for r in run_named(store, "wiring", name=actor)]


def render_wiring(store: Any, params: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``wiring`` rows in order (profile, runtime, fields, callbacks, tables), with
    ``at`` = file:line (the file's name: the actor's directory holds them all)."""
    order = {"profile": 0, "runtime": 1, "field": 2, "callback": 3, "table": 4}
    roles = {"init": 0, "destroy": 1, "update": 2, "draw": 3}
    # a function passed to a helper that stores it is shown once, as the field it lands in
    stored = {(r["function"], r["set_by"], r["line"]) for r in rows if r["kind"] in ("field", "runtime") and r["via"]}
    rows = [r for r in rows if not (r["kind"] == "callback" and (r["function"], r["set_by"], r["line"]) in stored)]
    rows = sorted(
        rows,
        key=lambda r: (
            order.get(r["kind"], 9),
            roles.get(r["slot"], 9),
            r["slot"] or "",
            r["line"] or 0,
            r["function"],
        ),
    )
    return [
        {
            "kind": r["kind"],
            "slot": r["slot"],
            "function": r["function"],
            "set_by": r["set_by"],
            "via": r["via"] or "",
            "at": f"{r['file'].rsplit('/', 1)[-1]}:{r['line']}" if r["file"] else None,
        }
        for r in rows
    ]


class Uses(BaseModel):
    """How a function is used; a callback is passed or stored and never called directly."""

    name: str
    called_by: list[str] = Field(default_factory=list)
    passed: list[str] = Field(default_factory=list)  # "caller -> callee param"
    stored: list[str] = Field(default_factory=list)  # "setter -> field"
    profile: list[str] = Field(default_factory=list)  # "ACTOR_X role"
    tables: list[str] = Field(default_factory=list)

    @property
    def is_callback(self) -> bool:
        return not self.called_by and bool(self.passed or self.stored or self.profile or self.tables)


def uses(store: Any, name: str) -> Uses:
    u = Uses(name=name)
    for r in run_named(store, "uses", name=name):
        how = r["how"]
        if how == "called":
            u.called_by.append(r["by"])
        elif how == "passed":
            u.passed.append(f"{r['by']} -> {r['detail']}")
        elif how == "stored":
            u.stored.append(f"{r['by']} -> {r['detail']}")
        elif how == "profile":
            u.profile.append(f"{r['by']} {r['detail']}")
        else:
            u.tables.append(r["by"])
    return u


# ---- patterns ---------------------------------------------------------------------------------


class Snippet(BaseModel):
    symbol: str  # the function (or static) the lines are in
    file: str
    line: int
    end_line: int
    text: str  # lines line..end_line of file, verbatim


class Excerpt(BaseModel):
    actor: str
    snippets: list[Snippet]


class PatternView(BaseModel):
    id: str
    description: str
    roles: list[str]
    steps: list[str]
    support: int
    actors: list[str]
    counter_examples: list[str]
    version_support: dict[str, int]
    excerpts: list[Excerpt]
    anchor: str


def _pattern_row(r: dict[str, Any]) -> PatternView:
    return PatternView(
        id=r["id"],
        description=r["description"] or "",
        roles=list(r["roles"] or []),
        steps=list(r["steps"] or []),
        support=r["support"],
        actors=list(r["actors"] or []),
        counter_examples=list(r["counter_examples"] or []),
        version_support=json.loads(r["version_support"] or "{}"),
        excerpts=[Excerpt(**e) for e in json.loads(r["excerpts"] or "[]")],
        anchor=r["anchor"],
    )


def pattern(store: Any, pattern_id: str) -> PatternView | None:
    rows = store.run(
        "MATCH (p:Pattern {id: $id}) RETURN p.id AS id, p.description AS "
        "description, p.roles AS roles, p.steps AS steps, p.support AS support, "
        "p.actors AS actors, p.counter_examples AS counter_examples, "
        "p.version_support AS version_support, p.excerpts AS excerpts, "
        "p.anchor AS anchor",
        {"id": pattern_id},
    )
    return _pattern_row(rows[0]) if rows else None


def patterns(store: Any, min_support: int = 0) -> list[dict[str, Any]]:
    return run_named(store, "patterns", min_support=min_support)


def actors_with_pattern(
    store: Any, pattern_id: str, category: str | None = None, complete: bool = True
) -> list[dict[str, Any]]:
    return run_named(store, "actors_with_pattern", name=pattern_id, category=category or "*", complete=complete)


def patterns_of(store: Any, name: str) -> list[dict[str, Any]]:
    """The patterns an actor follows (``complete``, or the steps it lacks in ``missing``), or
    that a function takes part in (``role``)."""
    return run_named(store, "patterns_of", name=name)


def similar_actors(store: Any, actor: str, limit: int = 5) -> list[dict[str, Any]]:
    """Actors sharing the most complete patterns with ``actor``, same category first."""
    return run_named(store, "similar_actors", name=actor, limit=limit)


def render_pattern(store: Any, params: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``pattern`` query's row with its steps numbered and its excerpts as text."""
    out = []
    for r in rows:
        p = _pattern_row(r)
        shown = []
        for e in p.excerpts:
            parts = [f"{e.actor}:"]
            for s in e.snippets:
                parts.append(f"  {s.file}:{s.line}" + (f"-{s.end_line}" if s.end_line != s.line else ""))
                parts.extend(f"    {t}" for t in s.text.split("\n"))
            shown.append("\n".join(parts))
        out.append(
            {
                "id": p.id,
                "description": p.description,
                "roles": p.roles,
                "steps": "\n".join(f"{i + 1}. {s}" for i, s in enumerate(p.steps)),
                "support": p.support,
                "actors": ", ".join(p.actors),
                "counter_examples": "\n".join(p.counter_examples) or None,
                "versions": ", ".join(f"{v} {n}" for v, n in p.version_support.items()),
                "excerpts": "\n\n".join(shown),
            }
        )
    return out


class Compat(BaseModel):
    """Per version: does every step function exist there with the reference signature."""

    steps: list[str]
    versions: list[str]
    cells: dict[str, dict[str, str]]  # step -> version -> "same" | "other: <sig>" | "missing"
    compatible: list[str]  # versions where every step is "same"


def compat(store: Any, pattern_id: str | None = None, function: str | None = None) -> Compat:
    """The version-compatibility matrix of a pattern (its step functions) or of a function."""
    rows = (
        _raw(store, "pattern_versions", name=pattern_id)
        if pattern_id
        else _raw(store, "function_versions", name=function or "")
    )
    return _compat(rows)


def _compat(rows: list[dict[str, Any]]) -> Compat:
    steps: dict[str, None] = {}
    versions: dict[str, None] = {}
    cells: dict[str, dict[str, str]] = {}
    for r in sorted(rows, key=lambda r: (r["position"], r["ordinal"] or 0)):
        steps.setdefault(r["step"], None)
        versions.setdefault(r["version"], None)
        sig = r["signature"]
        cell = "missing" if sig is None else "same" if sig == r["reference"] else f"other: {sig}"
        cells.setdefault(r["step"], {})[r["version"]] = cell
    ok = [v for v in versions if all(cells[s].get(v) == "same" for s in steps)]
    return Compat(steps=list(steps), versions=list(versions), cells=cells, compatible=ok)


def render_compat(store: Any, params: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per step, one column per version (same / other signature / missing), and a
    last row saying where every step is the same."""
    c = _compat(rows)
    out: list[dict[str, Any]] = []
    for s in c.steps:
        row: dict[str, Any] = {"step": s}
        for v in c.versions:
            cell = c.cells[s].get(v, "missing")
            row[v] = "yes" if cell == "same" else "no" if cell == "missing" else cell
        out.append(row)
    if len(c.steps) > 1 or not out:
        out.append({"step": "(every step)", **{v: "yes" if v in c.compatible else "no" for v in c.versions}})
    return out
