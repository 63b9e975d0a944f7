"""The validator's one entry point, shared by the CLI, the HTTP service and generation.

    v = Validator(store, settings)                 # compile=False skips level 1
    report = v.validate(example)                   # version from metadata, else the default
    report = v.validate_code("Actor_Kill(&this->actor);", "ntsc-1.0")
"""

from __future__ import annotations

import logging
import re
from typing import Any

from validate.extract import CodeBlock, bare_code, extract
from validate.index import IndexCache, SymbolIndex
from validate.models import Example, Issue, Severity, ValidationReport

log = logging.getLogger(__name__)

_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do", "case", "else"}


class UnknownVersion(ValueError):
    """The version is not in the graph."""


class Validator:
    def __init__(self, store: Any, settings: Any, *, compile: bool = True) -> None:
        self.store = store
        self.settings = settings
        self.compile = compile
        self.indexes = IndexCache(store)
        self.default_version = getattr(settings, "default_version", None) or "gc-eu-mq-dbg"

    def index(self, version: str) -> SymbolIndex:
        return self.indexes.get(version)

    def validate(self, example: Example, version: str | None = None) -> ValidationReport:
        version = version or example.version or self.default_version
        blocks, _prose = extract(example)
        return self._run(example.id, version, blocks)

    def validate_code(self, code: str, version: str) -> ValidationReport:
        return self._run("", version or self.default_version, [bare_code(code)])

    def _run(self, ex_id: str, version: str, blocks: list[CodeBlock]) -> ValidationReport:
        idx = self.index(version)
        report = ValidationReport(id=ex_id, version=version)
        report.checked.code_blocks = len(blocks)
        for b in blocks:
            defined = set(re.findall(r"\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*\{", b.code))
            for m in _CALL.finditer(b.code):
                name = m.group(1)
                if name in _KEYWORDS or name in defined or name in idx.defines:
                    continue
                report.checked.functions += 1
                if name not in idx.functions:
                    report.issues.append(Issue(
                        code="unknown-function", level=2, symbol=name,
                        message=f"{name} is not a function in {version}",
                        message_index=b.message_index, line=b.code.count("\n", 0, m.start()) + 1,
                        suggestions=idx.names_of("Function").suggest(name)))
        report.levels[1] = "skipped"
        report.notes.append("level 1 (compile) not run")
        report.ok = not any(i.severity is Severity.error for i in report.issues)
        return report
