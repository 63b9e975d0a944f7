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
from typing import Any

from validate.clex import tokenize
from validate.extract import CodeBlock
from validate.index import ActorInfo, SymbolIndex
from validate.models import Issue
from validate.sandbox import MAX_SNIPPET, needs_wrap
from validate.scope import Scope

_ASSET_NAME = re.compile(r"\bg[A-Z]\w+")
_UNDECLARED = re.compile(r"^use of undeclared identifier '(\w+)'")
_WHOLE = re.compile(r"^\s*#\s*include\b|\b(?:ActorProfile|EffectSsProfile)\s+\w+\s*=", re.M)


def compile_blocks(compiler: Any, version: str, blocks: list[CodeBlock], scope: Scope,
                   idx: SymbolIndex) -> Any:
    """Submit the blocks to the compiler (None when one is too long to compile whole)."""
    if any(len(b.code) > MAX_SNIPPET for b in blocks):
        return None
    where = scope.actor if not scope.actor_weak else None
    home = home_of(scope, idx)
    if home is not None and (where is None or posixpath.dirname(where.file or "") !=
                             posixpath.dirname(home.file or "")):
        where = home  # "z_eff_ss_blast.h" resolves next to the file that includes it
    objects = {o for o in asset_objects(blocks, idx)
               if not any(inc.endswith(f"/{o.lower()}.h") for inc in scope.includes)}
    return compiler.submit(version, blocks, where, _known(scope, idx, where), objects)


def _known(scope: Scope, idx: SymbolIndex, where: ActorInfo | None) -> set[str]:
    """Names no stand-in struct may shadow: the graph's structs and functions (a comment's
    "Foo_Bar */" is no type), except other actors' structs whose header is not included."""
    memo = idx.memo.get("compile_known")
    if memo is None:
        headers = {a.instance_struct: posixpath.basename(a.file)[:-2] + ".h"
                   for a in idx.actors.values() if a.instance_struct and a.file}
        memo = idx.memo["compile_known"] = (set(idx.structs) | set(idx.functions), headers)
    known, headers = memo
    included = {posixpath.basename(i) for i in scope.includes}
    own = where.instance_struct if where is not None else None
    hidden = {s for s, h in headers.items() if h not in included and s != own}
    return (known - hidden) | set(scope.funcs)


def home_of(scope: Scope, idx: SymbolIndex) -> ActorInfo | None:
    """Where a snippet without an actor lives, from the header it includes by a bare relative
    path (an effect's ``z_eff_ss_blast.h``)."""
    from validate.relfacts import facts_for

    for inc in scope.includes:
        if "/" in inc:
            continue
        for path in facts_for(idx).files.get(inc, ()):
            if path.startswith("src/"):
                return ActorInfo("", None, None, None, None, path[:-2] + ".c")
    return None


def asset_objects(blocks: list[CodeBlock], idx: SymbolIndex) -> set[str]:
    """Objects whose assets the code names (their headers join the compile prelude)."""
    out = set()
    for b in blocks:
        for name in _ASSET_NAME.findall(b.code):
            obj = idx.assets.get(name)
            if obj:
                out.add(obj)
    return out


def excerpt_context(issues: list[Issue], notes: list[str], blocks: list[CodeBlock],
                    scope: Scope, idx: SymbolIndex) -> list[Issue]:
    """The compile issues, less the names an excerpt takes from the file it comes from."""
    if not any(_UNDECLARED.match(i.message) for i in issues):
        return issues
    loose = {(b.message_index, b.block_index) for bi, b in enumerate(blocks)
             if needs_wrap(scope.tokens.get(bi) or tokenize(b.code))}
    whole = any(_WHOLE.search(b.code) for b in blocks)
    out = []
    taken: list[str] = []
    for i in issues:
        m = _UNDECLARED.match(i.message)
        name = m.group(1) if m else None
        if name and not whole and ((i.message_index, i.block) in loose or
                                   _known_name(name, idx)):
            taken.append(name)
            continue
        out.append(i)
    if taken:
        notes.append("an excerpt: " + ", ".join(sorted(set(taken))[:8]) + " taken as declared "
                     "by the code it comes from (not in the snippet)")
    return out


def _known_name(name: str, idx: SymbolIndex) -> bool:
    return (name in idx.statics or name in idx.globals or name in idx.constants
            or name in idx.defines or name in idx.functions)
