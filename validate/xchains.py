"""Level 2 on code, field chains: the type of ``this->actor.world.pos``-style accesses, member by
member, from the snippet's declarations and the graph's Field/Typedef facts; a member its
struct lacks is ``unknown-field``."""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any

from validate import rules
from validate.clex import Tok, matching
from validate.ctypes_ import CType, parse_type
from validate.index import SymbolIndex
from validate.rules import Emit
from validate.xtypes import UNKNOWN_ACTOR

# well-known macros whose value has a type (only used for chains starting with them)
MACRO_TYPES = {"GET_PLAYER": CType("Player", 1), "GET_ACTIVE_CAM": CType("Camera", 1)}


@lru_cache(maxsize=4096)
def _close_fields(name: str, fields: tuple[str, ...]) -> list[str]:
    return difflib.get_close_matches(name, fields, n=3, cutoff=0.6)


def _anonymous(fields: dict) -> bool:
    """A struct with an anonymous struct/union member, whose own members the graph lacks."""
    return any(not k or k.startswith(("(", "unnamed", "struct ", "union ")) for k in fields)


class ChainOps:
    """Mixed into CodeChecker (which has the index, scope, block, caches and counts)."""

    idx: SymbolIndex
    sc: Any
    block: int | None
    emit: Emit
    counts: dict[str, int]
    version: str
    _canon: dict
    _fields: dict
    canon: Any

    def base_type(self, tok: Tok) -> CType | None:
        name = tok.text
        found, ct = self.sc.local(name, self.block, tok.line)
        if found:
            return ct
        if name == "this" and name not in self.sc.vars:
            # an actor the snippet does not name: its first member is the Actor base
            return self.sc.this_type or CType(UNKNOWN_ACTOR, 1)
        if name in self.sc.vars:
            return self.sc.vars[name]
        if name in self.idx.globals:
            return parse_type(self.idx.globals[name])
        return None

    def chain(self, toks: list[Tok], i: int, check: bool = True) -> tuple[CType | None, int]:
        """Type of the access chain starting at toks[i]; returns (type, index after it)."""
        n = len(toks)
        t = toks[i]
        if t.text in MACRO_TYPES and i + 1 < n and toks[i + 1].text == "(":
            ct: CType | None = MACRO_TYPES[t.text]
            j = matching(toks, i + 1) + 1
        else:
            ct = self.base_type(t)
            j = i + 1
        while j < n:
            op = toks[j].text
            if op == "[":
                j = matching(toks, j) + 1
                ct = ct.deref() if ct else None
                continue
            if op in ("->", ".") and j + 1 < n and toks[j + 1].kind == "id":
                member = toks[j + 1]
                ct = self.member(ct, member, op, check)
                j += 2
                continue
            break
        return ct, j

    def fields_of(self, struct: str) -> dict[str, CType | None] | None:
        try:
            return self._fields[struct]
        except KeyError:
            out = self._fields[struct] = self.sc.fields_of(struct, self.idx)
            return out

    def member(self, ct: CType | None, member: Tok, op: str, check: bool) -> CType | None:
        if ct is None or ct.func:
            return None
        c = self._canon.get(ct) or self.canon(ct)
        if c.base == UNKNOWN_ACTOR:
            return CType("Actor", 0) if member.text == "actor" and op == "->" else None
        base = c.base
        fields = self.fields_of(base)
        if fields is None:
            fields = self.fields_of(ct.base)
        if fields is None:
            return None
        if check:
            self.counts["fields"] += 1
        if member.text in fields:
            return fields[member.text]
        if (
            check
            and fields
            and member.text not in self.sc.macros
            and member.text not in self.idx.defines
            and not _anonymous(fields)
        ):
            struct = self.idx.struct_of(ct.base) or base
            sugg = list(_close_fields(member.text, tuple(fields)))
            hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
            self.emit(
                rules.UNKNOWN_FIELD,
                f"{struct}.{member.text}",
                f"{struct} has no field {member.text} in {self.version}{hint}",
                member.line,
                sugg,
            )
        return None
