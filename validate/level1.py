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

_IDENT = re.compile(r"\b[A-Za-z_]\w*+")
# diagnostics about a name an excerpt's own file would declare, and the name they are about
_CONTEXT = re.compile(r"^(?:use of undeclared identifier|no member named|unknown type name|"
                      r"redefinition of|incomplete definition of type|variable has incomplete "
                      r"type) '(?:struct |union |enum )?(\w+)'")
_CAST = re.compile(r"\(\s*+(\w++)\s*+\*\s*+\)")
_WHOLE = re.compile(r"^\s*#\s*include\b|\b(?:ActorProfile|EffectSsProfile)\s+\w+\s*=", re.M)


def compile_blocks(compiler: Any, version: str, blocks: list[CodeBlock], scope: Scope,
                   idx: SymbolIndex) -> Any:
    """Submit the blocks to the compiler (None when one is too long to compile whole)."""
    if any(len(b.code) > MAX_SNIPPET for b in blocks):
        return None
    where = scope.actor if not scope.actor_weak else None
    if where is None and any("this->actor->" in b.code for b in blocks):
        # `this` holds a pointer to an actor: an effect's EffectSs, not an actor's struct
        where = ActorInfo("", None, None, None, "EffectSs", None)
    home = home_of(scope, idx)
    if home is not None and (where is None or posixpath.dirname(where.file or "") !=
                             posixpath.dirname(home.file or "")):
        where = home  # "z_eff_ss_blast.h" resolves next to the file that includes it
    objects = {o for o in asset_objects(blocks, idx)
               if not any(inc.endswith(f"/{o.lower()}.h") for inc in scope.includes)}
    return compiler.submit(version, blocks, where, _known(scope, idx, where), objects)


def _known(scope: Scope, idx: SymbolIndex, where: ActorInfo | None) -> set[str]:
    """Names no stand-in struct may shadow: the graph's structs and functions (a comment's
    "Foo_Bar */" is no type), except, in a snippet that includes nothing, other actors'
    structs (their headers are not in the prelude)."""
    memo = idx.memo.get("compile_known")
    if memo is None:
        headers = {a.instance_struct: posixpath.basename(a.file)[:-2] + ".h"
                   for a in idx.actors.values() if a.instance_struct and a.file}
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
        path = rf.file_of.get(fn)
        if path and path.startswith("src/overlays/"):
            return ActorInfo("", None, None, None, None, path)
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


def excerpt_context(issues: list[Issue], notes: list[str], blocks: list[CodeBlock],
                    scope: Scope, idx: SymbolIndex, at: list[int] | None = None) -> list[Issue]:
    """The compile issues, less those about names an excerpt takes from the file it comes from
    (and those its own declarations of such names set off). ``at``: each block's position in
    the blocks the scope was built from (default: the same list)."""
    if not any(_CONTEXT.match(i.message) or i.message == "expected expression"
               for i in issues) or any(
            _WHOLE.search(b.code) for b in blocks):
        return issues
    at = at if at is not None else list(range(len(blocks)))
    loose = {(b.message_index, b.block_index) for bi, b in zip(at, blocks, strict=True)
             if needs_wrap(scope.tokens.get(bi) or tokenize(b.code))}
    own = set(scope.vars) | set(scope.funcs) | set(scope.structs) | set(scope.typedefs)
    for frames in scope.frames.values():
        for _, _, names in frames:
            own.update(names)
    out = []
    taken: list[str] = []
    for i in issues:
        m = _CONTEXT.match(i.message)
        name = m.group(1) if m else None
        undeclared = i.message.startswith("use of undeclared")
        if name and (_known_name(name, idx) or name in own or (
                undeclared and ((i.message_index, i.block) in loose or name.isupper()))):
            taken.append(name)  # an enum constant or macro of the file (RM2_ANIM_SIT_WAIT)
            continue
        if i.message == "expected expression" and _casts_to_known(i, blocks, idx):
            taken.append("a type of the file")
            continue
        out.append(i)
    if taken:
        notes.append("an excerpt: " + ", ".join(sorted(set(taken))[:8]) + " taken as declared "
                     "by the code it comes from (not in the snippet)")
        # clang's count of what it reported is no error of its own
        out = [i for i in out if not i.message.startswith("too many errors emitted")]
    return out


def _casts_to_known(i: Issue, blocks: list[CodeBlock], idx: SymbolIndex) -> bool:
    """The issue's line casts to a type the graph has (a header the excerpt does not include
    declares it): ``(EffectSsHitMarkInitParams*)initParamsx``."""
    for b in blocks:
        if b.message_index == i.message_index and b.block_index == i.block and i.line:
            lines = b.code.split("\n")
            text = lines[i.line - 1] if i.line <= len(lines) else ""
            return any(_known_name(t, idx) for t in _CAST.findall(text))
    return False


def _known_name(name: str, idx: SymbolIndex) -> bool:
    """A name some file of the decomp declares (a static, an enum constant, a macro such as
    an effect's ``#define rScale regs[..]``), which the excerpt's own file may."""
    return (name in idx.statics or name in idx.globals or name in idx.constants
            or name in idx.defines or name in idx.functions or name in idx.assets
            or name in idx.structs or name in idx.typedefs)
