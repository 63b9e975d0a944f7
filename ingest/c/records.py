"""The C records: what a parse yields (``TURecord``: per file an ``Ents`` of ``Function``,
``Record``, ``Enum``, ``Typedef`` and ``Global`` entries) and what assembly reads per version
(``VersionData``). Below extraction, assembly and the delta path, which all pass them around;
a record is pickled into the facts cache as it is.

The entries are ``NamedTuple``s: tuples (hashable, so equal entries of many records are one
object, ``ingest.c.plan.jobs.Slimmer``; the same size in memory) whose fields have names. The
parse builds them (``ingest.c.extract``) from the plain tuples ``ingest.c.decls`` makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ingest.checkout.spec import SpecInfo
from ingest.checkout.versions import VersionInfo
from kg.schema import global_id

# (kind, name) of the Struct/Enum/Typedef a type names, through pointers and arrays
Target = tuple[str, str] | None


class Function(NamedTuple):
    name: str
    signature: str
    return_type: str
    params: str  # JSON: [{"name": ..., "type": ...}, ...]
    file: str
    line: int
    static: bool
    defined: bool
    return_target: Target
    param_targets: tuple[Target, ...]
    start_line: int
    end_line: int
    source: str | None  # the definition's text (None for a declaration)


class Field(NamedTuple):
    name: str  # "member", or "outer.inner" inside an anonymous member
    offset: int | None  # bytes from the outermost record
    size: int | None
    type: str
    target: Target
    position: int
    bitfield: bool
    bit_offset: int | None
    bit_width: int | None


class Record(NamedTuple):
    """A struct or union definition."""

    name: str
    kind: str  # "struct" or "union"
    size: int | None
    align: int | None
    file: str
    line: int
    fields: tuple[Field, ...]
    start_line: int
    end_line: int
    definition: str | None  # its text


class Enum(NamedTuple):
    name: str  # "" for an anonymous enum
    file: str
    line: int
    constants: tuple[tuple[str, int], ...]


class Typedef(NamedTuple):
    name: str
    underlying: str
    file: str
    line: int
    target: Target


class Global(NamedTuple):
    name: str
    type: str
    file: str
    line: int
    static: bool
    defined: bool  # not extern
    target: Target
    start_line: int
    end_line: int
    has_initializer: bool
    refers: tuple[str, ...]  # functions its initializer names
    initializer: str | None  # its text, for a definition with an initializer

    @property
    def key(self) -> str:
        """Its graph key (``kg.schema.global_id``: ``file:name`` for a static one)."""
        return global_id(self.name, self.file, self.static)


@dataclass
class Ents:
    """What one file contributes to one parse."""

    functions: list[Function] = field(default_factory=list)
    calls: list[tuple] = field(default_factory=list)  # (caller, callee, count, first line)
    indirect: dict[str, int] = field(default_factory=dict)
    runtime_objects: list[tuple] = field(default_factory=list)  # (caller, callee, OBJECT_X)
    structs: list[Record] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    typedefs: list[Typedef] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    # (setter, function, struct, field, line, via): ``setter`` stores ``function`` in
    # struct.field (struct "": a global variable named field); via: the helper that does the
    # store with its parameter, when ``setter`` passes the function to it
    assigns: list[tuple] = field(default_factory=list)
    # (caller, function, callee, argument index, parameter name, line)
    passes: list[tuple] = field(default_factory=list)
    # (file, first line, last line) of each #if branch the parse skipped in these files
    skipped: tuple = ()


@dataclass
class TURecord:
    tu: str
    key: str
    sha: str = ""
    main: Ents = field(default_factory=Ents)  # the .c (and the .inc.c files it includes)
    headers: dict[str, Ents] = field(default_factory=dict)  # headers first walked here
    hkeys: dict[str, str] = field(default_factory=dict)  # their keys
    claims: dict[str, str] = field(default_factory=dict)  # headers it answers for (planning)
    object_includes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> sha of files it read
    deps: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # abs -> (size, mtime, sha)
    diagnostics: list[tuple] = field(default_factory=list)  # (severity, file, line, message)
    # (file, what): a file not UTF-8 (its text kept with U+FFFD), or changed while read
    text_notes: list[tuple[str, str]] = field(default_factory=list)
    # header -> (its key, skipped ranges) for headers the parse read but did not walk for
    # declarations (no declaration of theirs at top level: macros, X-macro tables) and in
    # which it skipped something
    hskipped: dict[str, tuple[str, tuple]] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    failed: str | None = None


class VersionData:
    def __init__(
        self,
        v: VersionInfo,
        spec: SpecInfo,
        records: list[TURecord],
        defines: dict[str, int],
        seconds: float,
        extracted: int,
    ) -> None:
        self.v, self.spec, self.records, self.defines = v, spec, records, defines
        self.seconds, self.extracted = seconds, extracted
        self.hkeys: dict[str, str] = {}
        self.extra: list[TURecord] = []  # parses made only for their headers
        self.parses = 0
