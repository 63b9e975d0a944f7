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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validate import level1, perf, style
from validate.claims import ClaimChecker
from validate.clex import tokenize
from validate.compile import CompileJob, Compiler, job_from_json, job_to_json
from validate.extract import CodeBlock, Prose, bare_code, extract, inline_code
from validate.index import IndexCache, SymbolIndex, lookup_budget
from validate.models import Checked, Example, Issue, Severity, ValidationReport
from validate.objects import check_object_deps
from validate.rules import make_emit
from validate.sandbox import include_issues
from validate.scope import Scope, build_scope
from validate.which_actor import find_actor
from validate.xref import CodeChecker

log = logging.getLogger(__name__)
MAX_ISSUES = 200  # per report (the rest are counted in a note; ``ok`` still counts them)


class UnknownVersion(ValueError):
    """The version is not in the graph."""


@dataclass
class Pending:
    """An example checked at levels 2-4, with the compile jobs level 1 still needs."""

    report: ValidationReport
    jobs: list[CompileJob] = field(default_factory=list)
    excerpt: level1.ExcerptFilter | None = None  # names the compile may not hold against it

    def to_json(self) -> dict[str, Any]:
        return {
            "report": self.report.model_dump(mode="json"),
            "jobs": [job_to_json(j) for j in self.jobs],
            "excerpt": self.excerpt.to_json() if self.excerpt else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pending:
        ex = data.get("excerpt")
        return cls(
            ValidationReport.model_validate(data["report"]),
            [job_from_json(j) for j in data["jobs"]],
            level1.ExcerptFilter.from_json(ex) if ex else None,
        )


class Validator:
    def __init__(
        self,
        store: Any,
        settings: Any,
        *,
        compile: bool = True,
        decomp: Path | str | None = None,
        workers: int | None = None,
        compile_timeout: float = 10.0,
        memory_mb: int = 1536,
        sandbox: str = "prefer",
        plan_only: bool = False,
        versions: list[str] | None = None,
        cache_dir: Path | str | None = None,
    ) -> None:
        """``plan_only``: plan compile jobs (``check``) but run none (the service's check
        workers; the service compiles). ``versions``: the versions to prepare compiles for
        (default: every version of the graph). ``cache_dir``: where derived tables of the
        graph are kept between runs (kg.derived)."""
        self.store = store
        self.settings = settings
        derived = None
        if cache_dir is not None:
            from kg.derived import DerivedCache

            derived = DerivedCache(store, cache_dir)
        self.indexes = IndexCache(store, derived)
        self.default_version = getattr(settings, "default_version", None) or "gc-eu-mq-dbg"
        self._versions: list[str] | None = None
        self.compiler: Compiler | None = None
        self.compile_note = "level 1 (compile) not requested"
        from validate.compile import find_decomp

        root = find_decomp(store, settings, decomp)
        self.decomp_root = root if root is not None and (root / "include").is_dir() else None
        if compile:
            from validate.compile import make_compiler, usable_decomp

            if plan_only:
                root, self.compile_note = usable_decomp(store, settings, decomp)
                self.compiler = Compiler(root) if root is not None else None
            else:
                wanted = [v for v in (versions or self.versions()) if v in self.versions()]
                self.compiler, self.compile_note = make_compiler(
                    store,
                    settings,
                    wanted or self.versions(),
                    decomp=decomp,
                    workers=workers,
                    timeout=compile_timeout,
                    memory_mb=memory_mb,
                    sandbox=sandbox,
                )

    # -- public -----------------------------------------------------------------------------

    def versions(self) -> list[str]:
        if self._versions is None:
            self._versions = self.indexes.known_versions()
        return self._versions

    def index(self, version: str) -> SymbolIndex:
        if version not in self.versions():
            raise UnknownVersion(f"unknown version {version!r}; the graph has: {', '.join(self.versions()) or 'none'}")
        return self.indexes.get(version)

    def validate(self, example: Example, version: str | None = None) -> ValidationReport:
        return self.validate_many([example], version)[0]

    def validate_code(self, code: str, version: str | None = None) -> ValidationReport:
        return self.finish(*self._compile([self.check_code(code, version)]))[0]

    def validate_many(self, examples: list[Example], version: str | None = None) -> list[ValidationReport]:
        """Validate a batch; compile jobs of the whole batch run in parallel in the pool."""
        return self.finish(*self._compile([self.check(e, version) for e in examples]))

    def check(self, example: Example, version: str | None = None) -> Pending:
        """Levels 2-4 of an example, and its planned compile jobs (no compile runs here)."""
        version = version or example.version or self.default_version
        blocks, prose = extract(example)
        return self._check(example.id, version, blocks, prose)

    def check_code(self, code: str, version: str | None = None) -> Pending:
        return self._check("", version or self.default_version, [bare_code(code)], [])

    def finish(self, pending: list[Pending], outcomes: list[list[tuple[str, Any]]]) -> list[ValidationReport]:
        """Reports from checked examples and the outcomes of their compile jobs."""
        return [_finish(p, o, self.compiler) for p, o in zip(pending, outcomes, strict=True)]

    def close(self) -> None:
        if self.compiler is not None:
            self.compiler.close()

    # -- internals --------------------------------------------------------------------------

    def _compile(self, pending: list[Pending]) -> tuple[list[Pending], list[list[Any]]]:
        if self.compiler is None or self.compiler.pool is None:
            return pending, [[] for _ in pending]
        pool = self.compiler.pool
        futs = [[pool.submit(j) for j in p.jobs] for p in pending]
        return pending, [[f.result() for f in fs] for fs in futs]

    def _scope(self, idx: SymbolIndex, blocks: list[CodeBlock], prose: list[Prose]) -> Scope:
        """The example's own declarations and its actor (each block tokenised once, here)."""
        codes = [b.code for b in blocks]
        scope = build_scope(codes, idx)
        scope.actor = find_actor(scope, codes, "\n".join(p.text for p in prose), idx)
        return scope

    def _check(self, ex_id: str, version: str, blocks: list[CodeBlock], prose: list[Prose]) -> Pending:
        with lookup_budget():
            return self._check_in_budget(ex_id, version, blocks, prose)

    def _check_in_budget(self, ex_id: str, version: str, blocks: list[CodeBlock], prose: list[Prose]) -> Pending:
        idx = self.index(version)
        issues: list[Issue] = []
        counts = {"functions": 0, "fields": 0, "ids": 0, "addresses": 0, "relations": 0, "unchecked": 0}
        report = ValidationReport(id=ex_id, version=version)

        # quotes of the decomp: verified line by line, then left out of the code checks
        from validate.quotes import check_quotes

        quote_issues, verified = check_quotes(blocks, self.decomp_root)
        issues += quote_issues
        all_blocks = blocks
        if verified or any(b.edit for b in blocks):
            report.notes.append(
                f"{len(verified)} quote(s) of the decomp verified line by line; "
                f"{sum(b.edit for b in blocks)} edit block(s) checked at levels "
                "2-4, not compiled alone"
            )
            code_blocks = [b for i, b in enumerate(blocks) if i not in verified]
            at = [j for j, b in enumerate(code_blocks) if not b.edit]  # in the scope's blocks
            compile_blocks = [code_blocks[j] for j in at]
        else:
            code_blocks = compile_blocks = blocks
            at = list(range(len(blocks)))
        scope = self._scope(idx, code_blocks, prose)
        if scope.actor and scope.actor.instance_struct and "this" not in scope.vars and not scope.actor_weak:
            from validate.ctypes_ import CType

            scope.this_type = CType(scope.actor.instance_struct, 1)
        blocks = code_blocks

        # level 1: planned here, compiled by whoever holds the pool
        jobs: list[CompileJob] = []
        excerpt = None
        broken = None
        if self.compiler is not None and self.compiler.pool is not None:
            broken = self.compiler.pool.broken(version)
        if not all_blocks:
            report.levels[1] = "not-applicable"
        elif not compile_blocks and self.compiler is not None:
            report.levels[1] = "passed"  # every block a verified quote or an edit of one
        elif self.compiler is None or broken:
            report.levels[1] = "skipped"
            why = (
                self.compile_note
                if self.compiler is None
                else f"{version} cannot be compiled against this checkout ({broken})"
            )
            report.notes.append(f"level 1 skipped: {why}")
            issues += include_issues(blocks)
        else:
            report.levels[1] = "passed"
            jobs, found = level1.plan_blocks(self.compiler, version, compile_blocks, scope, idx)
            issues += found
            if any(i.code == "too-large" for i in found):
                report.levels[1] = "skipped"  # a block was not compiled: level 1 is unknown
                report.notes.append("level 1 skipped for a code block too large to compile")
            if jobs:
                excerpt = level1.excerpt_filter(compile_blocks, scope, idx, at)

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
        claims = ClaimChecker(idx, self.index, None, counts, scope.actor, scope=scope, edited=edited)
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
        report.issues = _capped(issues, report.notes)
        report.checked = Checked(code_blocks=len(all_blocks), **counts)
        return Pending(report, jobs, excerpt)


def _capped(issues: list[Issue], notes: list[str]) -> list[Issue]:
    """At most MAX_ISSUES of each (level, severity): what the levels and ``ok`` depend on
    survives, and a report's size stays bounded."""
    kept: list[Issue] = []
    per: dict[tuple[int, str], int] = {}
    dropped = 0
    for i in issues:
        key = (i.level, i.severity.value)
        per[key] = per.get(key, 0) + 1
        if per[key] <= MAX_ISSUES:
            kept.append(i)
        else:
            dropped += 1
    if dropped:
        notes.append(f"{dropped} more issues were found and not listed")
    return kept


def _finish(p: Pending, outcomes: list[Any], compiler: Compiler | None) -> ValidationReport:
    report = p.report.model_copy()  # its lists are replaced below, never changed in place
    report.notes = list(report.notes)
    report.levels = dict(report.levels)
    issues = list(report.issues)
    if p.jobs and compiler is not None:
        result = compiler.interpret(p.jobs, outcomes)
        issues += level1.excerpt_context(result.issues, report.notes, p.excerpt)
        report.notes += result.notes
    report.issues = sorted(issues, key=lambda i: (i.level, i.message_index or 0, i.block or 0, i.line or 0))
    if len(report.issues) > MAX_ISSUES:
        report.notes.append(
            f"{len(report.issues) - MAX_ISSUES} more issues were found and not "
            f"listed (a report lists at most {MAX_ISSUES})"
        )
        report.issues = report.issues[:MAX_ISSUES]
    issues = [*report.issues, *(i for i in issues if i.severity is Severity.error)]
    for level in (2, 3, 4):
        report.levels[level] = (
            "failed" if any(i.level == level and i.severity is Severity.error for i in issues) else "passed"
        )
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

    kept: dict[tuple[int | None, int | None], set[int]] = {
        (b.message_index, b.block_index): kept_lines(b, root) for b in blocks if b.edit
    }
    for i in issues:
        lines = kept.get((i.message_index, i.block))
        if lines and i.line in lines and i.severity is Severity.error and i.level >= 2:
            i.severity = Severity.warning
            i.message += " (on a line the edit keeps unchanged from the decomp)"
