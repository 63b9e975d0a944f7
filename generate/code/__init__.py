"""Code for contexts: verbatim decomp text with file:line, behind one seam.

``CodeSnippet`` is what a context's code section holds. A ``CodeProvider`` fills it:
today ``generate.code.checkout.CheckoutCode`` reads the files of the decomp checkout
the graph was ingested from (each file checked against the graph's ``File.sha``),
clearly marked ``checkout-fallback``; once the graph carries source text and version
blocks (issue 16: ``Function.source``, ``Struct.definition``, ``Global.initializer``,
``VersionBlock``, ``ASSIGNS``/``PASSES``, ``Pattern`` excerpts), a provider reading them
replaces it without touching the families.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

FALLBACK = "checkout-fallback"
GRAPH = "graph"  # snippets read from the graph's source text (issue 16)


class CodeSnippet(BaseModel):
    id: str  # stable: code:<what>:<entity>
    role: str  # own | callee | caller | assigned | evidence | exemplar | ifblock | use | table | spec
    entity: str
    kind: str  # node kind of the entity (Function, Struct, Global, Sfx, Segment...)
    file: str
    first: int
    last: int
    text: str
    provenance: str = FALLBACK
    lang: str = "c"  # the fence's language (xml for an asset description)
    note: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    priority: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}:{self.first}" if self.first == self.last else f"{self.file}:{self.first}-{self.last}"

    def fence(self, lang: str | None = None) -> str:
        """The block as an answer quotes it: the info string names where it is from, so the
        validator checks it as a quotation (not compiled alone). Trailing blank lines are
        left out, and the range says so."""
        text = self.text.rstrip()
        last = self.first + text.count("\n")
        where = f"{self.file}:{self.first}" if last == self.first else f"{self.file}:{self.first}-{last}"
        return f"```{lang or self.lang} {where}\n{text}\n```"

    def render(self) -> str:
        note = f"; {self.note}" if self.note else ""
        return f"[{self.id}] {self.role}: {self.entity} ({self.provenance}{note})\n{self.fence()}"

    def lines(self) -> list[str]:
        return self.text.split("\n")


class CodeProvider(Protocol):
    """What the context builder asks for; every method may return None / [] (no code)."""

    provenance: str

    def function(self, name: str, file: str | None, line: int | None, *, whole: bool = False) -> CodeSnippet | None: ...

    def struct(self, name: str, file: str | None, line: int | None) -> CodeSnippet | None: ...

    def global_def(self, key: str, name: str, file: str | None, line: int | None) -> CodeSnippet | None: ...

    def table_entry(self, kind: str, key: str) -> CodeSnippet | None: ...

    def uses(self, constant: str, limit: int = 6) -> list[CodeSnippet]: ...

    def version_blocks(self, snippet: CodeSnippet) -> list[CodeSnippet]: ...

    def grep(self, pattern: str, limit: int = 400) -> list[tuple[str, int]]: ...

    def document(self, path: str, *, entity: str, kind: str, lang: str, max_lines: int = 60) -> CodeSnippet | None: ...

    def find(
        self, path: str, pattern: str, *, role: str, entity: str, kind: str, before: int = 1, after: int = 3
    ) -> CodeSnippet | None: ...

    def built_versions(self) -> list[str]: ...


class NoCode:
    """A provider for graphs without a reachable checkout: no code, said plainly."""

    provenance = "none"

    def function(self, *a: Any, **k: Any) -> None:
        return None

    struct = global_def = table_entry = document = find = function

    def uses(self, *a: Any, **k: Any) -> list[CodeSnippet]:
        return []

    version_blocks = uses

    def grep(self, *a: Any, **k: Any) -> list[tuple[str, int]]:
        return []

    def built_versions(self) -> list[str]:
        return []
