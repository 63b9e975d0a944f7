"""Named Cypher queries: one ``queries/<name>.cypher`` file each, with a comment header.

Header format (``//`` lines at the top of the file)::

    // description: Functions that call NAME, up to DEPTH calls away.
    // param: name str -- the callee's name
    // param: depth int = 1 in 1..6 inline -- how many calls away
    // param: version str = gc-eu-mq-dbg names version -- game version
    // render: kg.code:render_source

``names KIND`` says the parameter names an entity of that kind (``kg.param_check.KINDS``):
``check_names`` looks it up before the query runs, so a misspelt name is an error with
suggestions (``UnknownNameError``) rather than an empty answer.

``inline`` parameters are validated integers substituted for ``{{name}}`` in the
text (Cypher cannot take a parameter as a variable-length bound); all others are
passed as ``$name``. The loader prefers ``<name>.<store>.cypher`` (``ladybug``
for the embedded store, ``neo4j``) where a query cannot be written portably.
``render`` names a function ``(store, params, rows) -> rows`` that finishes the rows in
Python where Cypher cannot (e.g. a function's text as one version compiles it); every
caller gets the finished rows (``NamedQuery.run``, ``run_named``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from kg.store import StoreError

_PARAM = re.compile(
    r"^//\s*param:\s*(?P<name>\w+)\s+(?P<type>str|int|bool|list)"
    r"(?:\s*=\s*(?P<default>\S+))?(?:\s+in\s+(?P<lo>-?\d+)\.\.(?P<hi>-?\d+))?"
    r"(?P<inline>\s+inline)?(?:\s+names\s+(?P<names>\w+))?\s*(?:--\s*(?P<doc>.*))?$"
)
_STORE_SUFFIX = {"embedded": "ladybug", "neo4j": "neo4j"}


class NamedQueryError(StoreError):
    """A named query that does not exist or was given bad parameters."""


class UnknownNameError(NamedQueryError):
    """A parameter names an entity or version the graph does not have."""

    def __init__(self, query: str, problems: list[Any]) -> None:
        self.problems = problems
        super().__init__(f"{query}: " + " ".join(p.message() for p in problems))


@dataclass
class Param:
    name: str
    type: str
    default: str | None = None
    lo: int | None = None
    hi: int | None = None
    inline: bool = False
    doc: str = ""
    names: str | None = None  # the entity kind it names (kg.param_check.KINDS)

    def convert(self, value: Any, query: str) -> Any:
        if self.type == "int":
            try:
                number = int(value, 0) if isinstance(value, str) else int(value)
            except (TypeError, ValueError):
                raise NamedQueryError(f"{query}: {self.name} must be an integer, got {value!r}") from None
            if self.lo is not None and self.hi is not None and not self.lo <= number <= self.hi:
                raise NamedQueryError(f"{query}: {self.name} must be in {self.lo}..{self.hi}, got {number}")
            return number
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            return str(value).lower() in ("1", "true", "yes")
        if self.type == "list":
            return value if isinstance(value, list) else [v for v in str(value).split(",") if v]
        return str(value)

    def spec(self) -> str:
        out = f"{self.name}:{self.type}"
        if self.default is not None:
            out += f"={self.default}"
        return out


@dataclass
class NamedQuery:
    name: str
    text: str
    description: str = ""
    params: list[Param] = field(default_factory=list)
    render: str | None = None  # "module:function" that finishes the rows

    def run(self, store: Any, bound: dict[str, Any]) -> list[dict[str, Any]]:
        """The query's rows for ``bound`` (from ``bind``), finished by its ``render``."""
        rows = store.run(self.runnable, bound)
        if self.render:
            import importlib

            mod, _, fn = self.render.partition(":")
            rows = getattr(importlib.import_module(mod), fn)(store, bound, rows)
        return rows

    def param_spec(self) -> list[str]:
        return [p.spec() for p in self.params]

    def bind(self, given: dict[str, Any]) -> dict[str, Any]:
        """Check and convert parameters; inline ones are substituted into ``self.text``."""
        known = {p.name: p for p in self.params}
        unknown = set(given) - set(known)
        if unknown:
            raise NamedQueryError(
                f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                f"it takes {', '.join(self.param_spec()) or 'none'}"
            )
        bound: dict[str, Any] = {}
        text = self.text
        for p in self.params:
            if p.name in given:
                value = p.convert(given[p.name], self.name)
            elif p.default is not None:
                value = p.convert(p.default, self.name)
            else:
                raise NamedQueryError(
                    f"{self.name}: missing parameter {p.name!r} ({p.doc or p.type}). "
                    f"Usage: ootkg query {self.name} " + " ".join(f"{q.name}=..." for q in self.params)
                )
            if p.inline:
                text = text.replace("{{" + p.name + "}}", str(int(value)))
            else:
                bound[p.name] = value
        self.bound_text = text
        return bound

    @property
    def runnable(self) -> str:
        return getattr(self, "bound_text", self.text)

    def check_names(self, store: Any, bound: dict[str, Any]) -> list[str]:
        """Raise ``UnknownNameError`` when a parameter that names an entity names none the
        graph has; else the checked (param, value) texts, for a no-rows note."""
        from kg.param_check import WILDCARDS, check

        problems = []
        checked = []
        for p in self.params:
            if p.names is None or p.name not in bound:
                continue
            value = bound[p.name]
            if p.default in WILDCARDS and str(value) == p.default:
                continue
            got = check(store, p.name, p.names, value)
            if got is None:
                checked.append(f"{p.name}={value}")
            else:
                problems.append(got)
        if problems:
            raise UnknownNameError(self.name, problems)
        return checked


def parse_query(name: str, text: str) -> NamedQuery:
    query = NamedQuery(name=name, text=text)
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            if stripped:
                break
            continue
        if stripped.startswith("// description:"):
            query.description = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("// render:"):
            query.render = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("// param:"):
            m = _PARAM.match(stripped)
            if not m:
                raise NamedQueryError(f"queries/{name}.cypher: cannot read header line {stripped!r}")
            if m["names"] is not None:
                from kg.param_check import KINDS

                if m["names"] not in KINDS:
                    raise NamedQueryError(
                        f"queries/{name}.cypher: unknown entity kind {m['names']!r} (known: {', '.join(KINDS)})"
                    )
            query.params.append(
                Param(
                    name=m["name"],
                    type=m["type"],
                    default=m["default"],
                    lo=int(m["lo"]) if m["lo"] else None,
                    hi=int(m["hi"]) if m["hi"] else None,
                    inline=bool(m["inline"]),
                    doc=(m["doc"] or "").strip(),
                    names=m["names"],
                )
            )
    return query


class QueryCatalog:
    """The named queries shipped in the ``queries`` package, for one store."""

    def __init__(self, store: str = "embedded") -> None:
        self.suffix = _STORE_SUFFIX.get(store, store)
        self._files = {p.name: p for p in resources.files("queries").iterdir() if p.name.endswith(".cypher")}

    def names(self) -> list[str]:
        return sorted({n.split(".", 1)[0] for n in self._files})

    def get(self, name: str) -> NamedQuery:
        path = self._files.get(f"{name}.{self.suffix}.cypher") or self._files.get(f"{name}.cypher")
        if path is None:
            close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise NamedQueryError(f"No named query {name!r}.{hint} `ootkg query --list` lists them all.")
        return parse_query(name, path.read_text())

    def all(self) -> list[NamedQuery]:
        return [self.get(n) for n in self.names()]


def run_named(store: Any, query_name: str, /, **params: Any) -> list[dict[str, Any]]:
    """Run a named query against an open store (the API the other packages use)."""
    query = QueryCatalog(store=getattr(store, "kind", "embedded")).get(query_name)
    bound = query.bind(params)
    return query.run(store, bound)
