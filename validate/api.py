"""The validator's one entry point, shared by the CLI, the HTTP service and generation.

    v = Validator(store, settings)                 # compile=False skips level 1
    report = v.validate(example)                   # version from metadata, else the default
    report = v.validate_code("Actor_Kill(&this->actor);", "ntsc-1.0")

Levels: 1 compiles (libclang against the decomp headers of that version), 2 true of
OoT (graph cross-references: names, arity, types, fields, ids, addresses, sizes,
object dependencies, version availability), 3 performance and memory, 4 the
decomp's conventions. ``level_reached`` is the highest N such that levels 1..N all
passed; a skipped level stops the count (it is never reported as passed).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from validate import level1, perf, style
from validate.claims import ClaimChecker
from validate.clex import tokenize
from validate.extract import CodeBlock, Prose, bare_code, extract, inline_code
from validate.index import IndexCache, SymbolIndex
from validate.models import Checked, Example, Issue, Severity, ValidationReport
from validate.objects import check_object_deps
from validate.sandbox import MAX_SNIPPET, include_issues
from validate.scope import Scope, build_scope
from validate.which_actor import find_actor
from validate.xref import CodeChecker, make_emit

log = logging.getLogger(__name__)


class UnknownVersion(ValueError):
    """The version is not in the graph."""


class Validator:
    def __init__(self, store: Any, settings: Any, *, compile: bool = True,
                 decomp: Path | str | None = None, workers: int | None = None,
                 compile_timeout: float = 10.0, memory_mb: int = 1536,
                 cache_dir: Path | str | None = None) -> None:
        self.store = store
        self.settings = settings
        derived = None
        if cache_dir is not None:
            from kg.derived import DerivedCache

            derived = DerivedCache(store, cache_dir)
        self.indexes = IndexCache(store, derived)
        self.default_version = getattr(settings, "default_version", None) or "gc-eu-mq-dbg"
        self._versions: list[str] | None = None
        self.compiler = None
        self.compile_note = "level 1 (compile) not requested"
        from validate.compile import find_decomp

        root = find_decomp(store, settings, decomp)
        self.decomp_root = root if root is not None and (root / "include").is_dir() else None
        if compile:
            from validate.compile import make_compiler

            self.compiler, self.compile_note = make_compiler(
                store, settings, decomp=decomp, workers=workers, timeout=compile_timeout,
                memory_mb=memory_mb)

    # -- public -----------------------------------------------------------------------------

    def versions(self) -> list[str]:
        if self._versions is None:
            self._versions = self.indexes.known_versions()
        return self._versions

    def index(self, version: str) -> SymbolIndex:
        if version not in self.versions():
            raise UnknownVersion(
                f"unknown version {version!r}; the graph has: {', '.join(self.versions()) or 'none'}")
        return self.indexes.get(version)

    def validate(self, example: Example, version: str | None = None) -> ValidationReport:
        version = version or example.version or self.default_version
        blocks, prose = extract(example)
        return self._run(example.id, version, blocks, prose)

    def validate_code(self, code: str, version: str | None = None) -> ValidationReport:
        return self._run("", version or self.default_version, [bare_code(code)], [])

    def validate_many(self, examples: list[Example], version: str | None = None
                      ) -> list[ValidationReport]:
        """Validate a batch; compile jobs of the whole batch run in parallel in the pool."""
        if self.compiler is None:
            return [self.validate(e, version) for e in examples]
        prepared = []
        for e in examples:
            v = version or e.version or self.default_version
            blocks, prose = extract(e)
            prepared.append((e.id, v, blocks, prose))
        submitted = [self._submit(v, blocks, prose) for _, v, blocks, prose in prepared]
        return [self._run(i, v, b, p, compiled=f, scope=s) for (i, v, b, p), (f, s) in
                zip(prepared, submitted, strict=True)]

    def close(self) -> None:
        if self.compiler is not None:
            self.compiler.close()

    # -- internals --------------------------------------------------------------------------

    def _scope(self, idx: SymbolIndex, blocks: list[CodeBlock], prose: list[Prose]) -> Scope:
        """The example's own declarations and its actor (each block tokenised once, here)."""
        codes = [b.code for b in blocks]
        scope = build_scope(codes, idx)
        scope.actor = find_actor(scope, codes, "\n".join(p.text for p in prose), idx)
        return scope

    def _submit(self, version: str, blocks: list[CodeBlock], prose: list[Prose]
                ) -> tuple[Any, Scope | None]:
        if self.compiler is None or not blocks or version not in self.versions():
            return None, None
        idx = self.indexes.get(version)
        scope = self._scope(idx, blocks, prose)
        return level1.compile_blocks(self.compiler, version, blocks, scope, idx), scope

    def _run(self, ex_id: str, version: str, blocks: list[CodeBlock], prose: list[Prose],
             compiled: Any = None, scope: Scope | None = None) -> ValidationReport:
        idx = self.index(version)
        issues: list[Issue] = []
        counts = {"functions": 0, "fields": 0, "ids": 0, "addresses": 0, "relations": 0,
                  "unchecked": 0}
        report = ValidationReport(id=ex_id, version=version)

        # quotes of the decomp: verified line by line, then left out of the code checks
        from validate.quotes import check_quotes

        quote_issues, verified = check_quotes(blocks, self.decomp_root)
        issues += quote_issues
        all_blocks = blocks
        if verified or any(b.edit for b in blocks):
            keep = [i for i, b in enumerate(blocks) if i not in verified and not b.edit]
            if compiled is not None and len(keep) != len(blocks):
                compiled = None  # submitted with the quotes: compile again without them
            report.notes.append(f"{len(verified)} quote(s) of the decomp verified line by line; "
                                f"{sum(b.edit for b in blocks)} edit block(s) checked at levels "
                                "2-4, not compiled alone")
            scope = None
            code_blocks = [b for i, b in enumerate(blocks) if i not in verified]
            compile_blocks = [blocks[i] for i in keep]
        else:
            code_blocks = compile_blocks = blocks
        if scope is None:
            scope = self._scope(idx, code_blocks, prose)
        if scope.actor and scope.actor.instance_struct and "this" not in scope.vars \
                and not scope.actor_weak:
            from validate.ctypes_ import CType
            scope.this_type = CType(scope.actor.instance_struct, 1)
        blocks = code_blocks

        # level 1
        if not all_blocks:
            report.levels[1] = "not-applicable"
        elif not compile_blocks and self.compiler is not None:
            report.levels[1] = "passed"
        elif self.compiler is None:
            report.levels[1] = "skipped"
            report.notes.append(f"level 1 skipped: {self.compile_note}")
            issues += include_issues(blocks)
        else:
            fut = compiled if compiled is not None else level1.compile_blocks(
                self.compiler, version, compile_blocks, scope, idx)
            if fut is None:
                report.levels[1] = "skipped"
                report.notes.append(f"level 1 skipped: a code block is longer than the "
                                    f"{MAX_SNIPPET:,} characters the compiler is given")
                issues += include_issues(compile_blocks)
            else:
                result = self.compiler.result(fut)
                # the scope was built from code_blocks (compile_blocks less the edit blocks)
                at = [next(j for j, c in enumerate(code_blocks) if c is b) for b in compile_blocks]
                issues += level1.excerpt_context(result.issues, report.notes, compile_blocks,
                                                 scope, idx, at=at)
                report.notes += result.notes
                report.levels[1] = result.status

        # level 2, 3, 4 per block
        for bi, b in enumerate(blocks):
            emit = make_emit(issues, b.message_index, b.block_index)
            toks = scope.tokens[bi]
            CodeChecker(idx, scope, emit, counts, bi).check(toks)
            perf.check(toks, b.code, scope, idx, emit)
            style.check(toks, b.code, scope, idx, emit)
        check_object_deps(scope, blocks, idx, issues, counts)
        edits = [b.code for b in blocks if b.edit]
        edited = set(build_scope(edits, idx).defined_funcs) if edits else set()
        claims = ClaimChecker(idx, self.index, None, counts, scope.actor, scope=scope,
                              edited=edited)
        for p in prose:
            claims.emit = make_emit(issues, p.message_index, None)
            claims.check_text(p.text)
            # inline code spans in prose (`this->actor.world.pos`) are code claims too
            for span, line in inline_code(p.text):
                span_emit = make_emit(issues, p.message_index, None, line - 1)
                CodeChecker(idx, scope, span_emit, counts).check(tokenize(span))
        for b in blocks:
            if "/" in b.code:  # claims in comments
                claims.emit = make_emit(issues, b.message_index, b.block_index)
                claims.check_comments(b.code, scope)

        _kept_from_decomp(all_blocks, issues, self.decomp_root)
        report.issues = sorted(issues, key=lambda i: (i.level, i.message_index or 0,
                                                      i.block or 0, i.line or 0))
        report.checked = Checked(code_blocks=len(all_blocks), **counts)
        for level in (2, 3, 4):
            report.levels[level] = "failed" if any(
                i.level == level and i.severity is Severity.error for i in issues) else "passed"
        if any(i.level == 1 and i.severity is Severity.error for i in issues):
            report.levels[1] = "failed"
        reached = 0
        for level in (1, 2, 3, 4):
            if report.levels.get(level) in ("passed", "not-applicable"):
                reached = level
            else:
                break
        report.level_reached = reached
        report.ok = not any(i.severity is Severity.error for i in issues)
        return report


def _kept_from_decomp(blocks: list[CodeBlock], issues: list[Issue], root: Path | None) -> None:
    """Errors on lines an edit block kept unchanged from the decomp become warnings: they
    are about the decomp's code (a branch another version compiles, a build-defined macro),
    not about what the example changed."""
    from validate.quotes import kept_lines

    kept = {(b.message_index, b.block_index): kept_lines(b, root) for b in blocks if b.edit}
    for i in issues:
        lines = kept.get((i.message_index, i.block))
        if lines and i.line in lines and i.severity is Severity.error and i.level >= 2:
            i.severity = Severity.warning
            i.message += " (on a line the edit keeps unchanged from the decomp)"

