"""The C records: what a parse yields (``TURecord``: per file an ``Ents``) and what assembly
reads per version (``VersionData``). Below extraction, assembly and the delta path, which all
pass them around; a record is pickled into the facts cache as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.checkout.spec import SpecInfo
from ingest.checkout.versions import VersionInfo


@dataclass
class Ents:
    """What one file contributes to one parse (the tuples' fields: ``c_decls``; a function's,
    record's and initialized global's text is appended here, see ``_texts``)."""
    functions: list[tuple] = field(default_factory=list)   # see _function()
    calls: list[tuple] = field(default_factory=list)       # (caller, callee, count, first line)
    indirect: dict[str, int] = field(default_factory=dict)
    runtime_objects: list[tuple] = field(default_factory=list)  # (caller, callee, OBJECT_X)
    structs: list[tuple] = field(default_factory=list)
    enums: list[tuple] = field(default_factory=list)
    typedefs: list[tuple] = field(default_factory=list)
    globals: list[tuple] = field(default_factory=list)
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
    hkeys: dict[str, str] = field(default_factory=dict)     # their keys
    claims: dict[str, str] = field(default_factory=dict)    # headers it answers for (planning)
    object_includes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)    # path -> sha of files it read
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
    def __init__(self, v: VersionInfo, spec: SpecInfo, records: list[TURecord],
                 defines: dict[str, int], seconds: float, extracted: int) -> None:
        self.v, self.spec, self.records, self.defines = v, spec, records, defines
        self.seconds, self.extracted = seconds, extracted
        self.hkeys: dict[str, str] = {}
        self.extra: list[TURecord] = []  # parses made only for their headers
        self.parses = 0
