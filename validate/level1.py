"""Level 1 around the compiler: what a snippet is compiled with, and what its diagnostics mean
for an excerpt of a decomp file.

A snippet is compiled in its actor's directory (or next to the header it includes by a bare
relative path, as the decomp does), with the headers of the objects whose assets it names.
An actor struct whose header the snippet does not include gets a stand-in (``{ Actor actor; }``)
so casts to it parse. An excerpt (statements, or functions without the file around them) may
use what its file declares: its statics, enum constants, macros, and, for loose statements,
the locals of the function they come from. Such an undeclared name is a note, not an error,
when the graph knows it (or, for loose statements, always).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from validate.clex import tokenize
from validate.compile import CompileJob
from validate.extract import CodeBlock
from validate.index import ActorInfo, SymbolIndex
from validate.models import Issue
from validate.sandbox import needs_wrap
from validate.scope import Scope

_IDENT = re.compile(r"\b[A-Za-z_]\w*+")
# diagnostics about a name an excerpt's own file would declare, and the name they are about
_CONTEXT = re.compile(
    r"^(?:use of undeclared identifier|no member named|unknown type name|"
    r"redefinition of|incomplete definition of type|variable has incomplete "
    r"type) '(?:struct |union |enum )?(\w+)'"
)
_CAST = re.compile(r"\(\s*+(\w++)\s*+\*\s*+\)")
_WHOLE = re.compile(r"^\s*#\s*include\b|\b(?:ActorProfile|EffectSsProfile)\s+\w+\s*=", re.M)


def plan_blocks(
    compiler: Any, version: str, blocks: list[CodeBlock], scope: Scope, idx: SymbolIndex
) -> tuple[list[CompileJob], list[Issue]]:
    """The compile jobs of the blocks (run by whoever holds the pool) and the level-1 issues
    found while planning them (refused includes, blocks too large)."""
    where = scope.actor if not scope.actor_weak else None
    if where is None and any("this->actor->" in b.code for b in blocks):
        # `this` holds a pointer to an actor: an effect's EffectSs, not an actor's struct
        where = ActorInfo("", None, None, None, "EffectSs", None)
    home = home_of(scope, idx)
    if home is not None and (
        where is None or posixpath.dirname(where.file or "") != posixpath.dirname(home.file or "")
    ):
        where = home  # "z_eff_ss_blast.h" resolves next to the file that includes it
    objects = {
        o for o in asset_objects(blocks, idx) if not any(inc.endswith(f"/{o.lower()}.h") for inc in scope.includes)
    }
    jobs, issues = compiler.plan(version, blocks, where, _known(scope, idx, where), objects)
    return jobs, issues


def _known(scope: Scope, idx: SymbolIndex, where: ActorInfo | None) -> set[str]:
    """Names no stand-in struct may shadow: the graph's structs and functions (a comment's
    "Foo_Bar */" is no type), except, in a snippet that includes nothing, other actors'
    structs (their headers are not in the prelude)."""
    memo = idx.memo.get("compile_known")
    if memo is None:
        headers = {
            a.instance_struct: posixpath.basename(a.file)[:-2] + ".h"
            for a in idx.actors.values()
            if a.instance_struct and a.file
        }
        memo = idx.memo["compile_known"] = (set(idx.structs) | set(idx.functions), headers)
    known, headers = memo
    if scope.includes:  # its headers may bring other actors' structs in (transitively)
        return known | set(scope.funcs)
    included: set[str] = set()
    own = where.instance_struct if where is not None else None
    hidden = {s for s, h in headers.items() if h not in included and s != own}
    return (known - hidden) | set(scope.funcs)


def home_of(scope: Scope, idx: SymbolIndex) -> ActorInfo | None:
    """Where a snippet lives when no actor says so: next to the header it includes by a bare
    relative path (an effect's ``z_eff_ss_blast.h``), or in the file the graph defines its
    functions in (an excerpt of ``EffectSsBlast_Init``)."""
    from validate.relfacts import facts_for

    rf = facts_for(idx)
    for inc in scope.includes:
        if "/" in inc:
            continue
        for path in rf.files.get(inc, ()):
            if path.startswith("src/"):
                return ActorInfo("", None, None, None, None, path[:-2] + ".c")
    for fn in scope.defined_funcs:
        home = rf.file_of.get(fn)
        if home and home.startswith("src/overlays/"):
            return ActorInfo("", None, None, None, None, home)
    return None


def asset_objects(blocks: list[CodeBlock], idx: SymbolIndex) -> set[str]:
    """Objects whose assets the code names (their headers join the compile prelude)."""
    out = set()
    for b in blocks:
        for name in _IDENT.findall(b.code):
            obj = idx.assets.get(name)
            if obj:
                out.add(obj)
    return out


@dataclass
class ExcerptFilter:
    """What an excerpt may take from the file it comes from, decided while the example is
    checked (the compile's diagnostics arrive later, possibly in another process, where
    neither the scope nor the graph index is at hand)."""

    names: set[str] = field(default_factory=set)  # the code's names its file may declare
    loose: set[tuple[int | None, int]] = field(default_factory=set)  # statement-only blocks
    cast_lines: set[tuple[int | None, int, int]] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "names": sorted(self.names),
            "loose": sorted(self.loose, key=str),
            "cast_lines": sorted(self.cast_lines, key=str),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExcerptFilter:
        return cls(
            set(data["names"]),
            {tuple(x) for x in data["loose"]},  # type: ignore[misc]
            {tuple(x) for x in data["cast_lines"]},
        )  # type: ignore[misc]


def excerpt_filter(
    blocks: list[CodeBlock], scope: Scope, idx: SymbolIndex, at: list[int] | None = None
) -> ExcerptFilter | None:
    """None for a whole file (one that includes headers or defines a profile): its
    undeclared names are its own errors. ``at``: each block's position in the blocks the
    scope was built from (default: the same list)."""
    if not blocks or any(_WHOLE.search(b.code) for b in blocks):
        return None
    own = set(scope.vars) | set(scope.funcs) | set(scope.structs) | set(scope.typedefs)
    for frames in scope.frames.values():
        for _, _, names in frames:
            own.update(names)
    flt = ExcerptFilter()
    at = at if at is not None else list(range(len(blocks)))
    for bi, b in zip(at, blocks, strict=True):
        # a diagnostic names an identifier of the code: only those can matter
        for name in set(_IDENT.findall(b.code)):
            if name in own or _known_name(name, idx):
                flt.names.add(name)
        if needs_wrap(scope.tokens.get(bi) or tokenize(b.code)):
            flt.loose.add((b.message_index, b.block_index))
        for n, text in enumerate(b.code.split("\n"), 1):
            if "(" in text and any(_known_name(t, idx) for t in _CAST.findall(text)):
                flt.cast_lines.add((b.message_index, b.block_index, n))
    return flt


def excerpt_context(issues: list[Issue], notes: list[str], flt: ExcerptFilter | None) -> list[Issue]:
    """The compile issues, less those about names an excerpt takes from the file it comes from
    (and those its own declarations of such names set off)."""
    if flt is None or not any(_CONTEXT.match(i.message) or i.message == "expected expression" for i in issues):
        return issues
    out = []
    taken: list[str] = []
    for i in issues:
        m = _CONTEXT.match(i.message)
        name = m.group(1) if m else None
        undeclared = i.message.startswith("use of undeclared")
        if name and (name in flt.names or (undeclared and ((i.message_index, i.block) in flt.loose or name.isupper()))):
            taken.append(name)  # an enum constant or macro of the file (RM2_ANIM_SIT_WAIT)
            continue
        if i.message == "expected expression" and i.line and (i.message_index, i.block, i.line) in flt.cast_lines:
            taken.append("a type of the file")
            continue
        out.append(i)
    if taken:
        notes.append(
            "an excerpt: " + ", ".join(sorted(set(taken))[:8]) + " taken as declared "
            "by the code it comes from (not in the snippet)"
        )
        # clang's count of what it reported is no error of its own
        out = [i for i in out if not i.message.startswith("too many errors emitted")]
    return out


def _known_name(name: str, idx: SymbolIndex) -> bool:
    """A name some file of the decomp declares (a static, an enum constant, a macro such as
    an effect's ``#define rScale regs[..]``), which the excerpt's own file may."""
    return (
        name in idx.statics
        or name in idx.globals
        or name in idx.constants
        or name in idx.defines
        or name in idx.functions
        or name in idx.assets
        or name in idx.structs
        or name in idx.typedefs
    )
