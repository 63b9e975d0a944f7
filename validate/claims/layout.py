"""Member chains against a version's layout: ``Actor.world.pos``, ``this->actor.speed``,
``gSaveContext.inventory``, or a bare member of a struct the prose is about.

Offsets come from the graph's Field facts (the C ingest, libclang on the MIPS target):
a union's members are all at 0; a member of a named member of unnamed struct/union type
is recorded under its dotted path (``data.modeSelect.reserve3`` of LEOCmd, its offset from
LEOCmd); a truly anonymous member (older graphs: ``struct X::(anonymous at ...)``) has no
members of its own, so a name inside one cannot be judged; a bitfield is recorded at the
byte holding its first bit with the size of its declared type, so a claim may name that
byte or the start of its storage unit.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from validate.index import FieldInfo, SymbolIndex

_SPLIT = re.compile(r"->|\.|::")
_ARRAY = re.compile(r"\[(\d+)\]\s*$")
_SCALAR_SIZE = {
    "s8": 1,
    "u8": 1,
    "char": 1,
    "s16": 2,
    "u16": 2,
    "short": 2,
    "s32": 4,
    "u32": 4,
    "int": 4,
    "f32": 4,
    "float": 4,
    "s64": 8,
    "u64": 8,
    "f64": 8,
    "double": 8,
}


@dataclass(slots=True)
class Resolved:
    struct: str  # the struct holding the last member
    member: str
    info: FieldInfo | None  # None: no such member (see suggestions)
    offsets: set[int]  # what an offset claim may name: in its struct, from the chain's root
    root: str = ""
    suggestions: tuple[str, ...] = ()

    @property
    def symbol(self) -> str:
        return f"{self.struct}.{self.member}"


def has_anonymous(fields: dict[str, FieldInfo]) -> bool:
    return any(k.startswith(("struct ", "union ", "(")) or "(anonymous" in k or not k for k in fields)


def bitfield_like(info: FieldInfo) -> bool:
    """A scalar member whose offset its type's alignment does not divide: a bitfield."""
    size = _SCALAR_SIZE.get((info.type or "").strip())
    return bool(size and info.offset is not None and info.offset % size)


def accepted_offsets(info: FieldInfo) -> set[int]:
    if info.offset is None:
        return set()
    out = {info.offset}
    if bitfield_like(info):
        size = _SCALAR_SIZE[(info.type or "").strip()]
        out.add(info.offset - info.offset % size)
    return out


def array_length(info: FieldInfo) -> int | None:
    m = _ARRAY.search(info.type or "")
    return int(m.group(1)) if m else None


def _next_struct(info: FieldInfo, idx: SymbolIndex) -> tuple[str | None, bool]:
    """The struct a member's type names, and whether reaching it goes through a pointer."""
    t = (info.type or "").strip()
    t = re.sub(r"\[[^\]]*\]", "", t).strip()
    ptr = "*" in t
    base = t.replace("*", "").replace("const ", "").strip()
    return idx.struct_of(base), ptr


def resolve(chain: str, idx: SymbolIndex, roots: list[str], this_struct: str | None) -> Resolved | None:
    """Resolve a member chain; None when its root or a step cannot be known."""
    parts = [p for p in _SPLIT.split(chain) if p]
    if len(parts) < 2:
        return None
    head = parts[0]
    struct = None
    if head == "this" or head == "thisx":
        struct = this_struct if head == "this" else "Actor"
        parts = parts[1:]
        if struct is None and parts[:1] == ["actor"] and len(parts) > 1:
            struct, parts = "Actor", parts[1:]  # an actor's base is its first member
    elif (head[0].isupper() or "_" in head) and idx.struct_of(head):
        struct = idx.struct_of(head)
        parts = parts[1:]
    elif head in idx.globals:
        g = idx.globals[head] or ""
        if "*" in g:
            return None
        struct = idx.struct_of(g.replace("struct ", "").strip())
        parts = parts[1:]
    else:
        for r in roots:  # a bare chain (actor.world) starts in a struct the prose names
            fields = idx.fields.get(r)
            if fields and head in fields:
                struct = r
                break
    if not struct or not parts:
        return None
    root = struct
    cumulative: int | None = 0
    k = 0
    while k < len(parts):
        fields = idx.fields.get(struct)
        if not fields:
            return None
        # a member of an unnamed struct/union member is recorded under its dotted path
        # (``data.modeSelect.reserve3`` of LEOCmd, its offset from LEOCmd): longest first
        end = next((j for j in range(len(parts), k + 1, -1) if ".".join(parts[k:j]) in fields), k + 1)
        member = ".".join(parts[k:end])
        info = fields.get(member)
        if info is None:
            if has_anonymous(fields) or not member[:1].islower():
                return None
            sugg = tuple(difflib.get_close_matches(member, list(fields), n=3, cutoff=0.6))
            return Resolved(struct, member, None, set(), root, sugg)
        k = end
        if k == len(parts):
            offs = accepted_offsets(info)
            if cumulative is not None and info.offset is not None:
                offs |= {cumulative + o for o in offs}
            return Resolved(struct, member, info, offs, root)
        if cumulative is not None and info.offset is not None:
            cumulative += info.offset
        nxt, through_ptr = _next_struct(info, idx)
        if through_ptr:
            cumulative = None
        if nxt is None:
            return None
        struct = nxt
    return None


def bare(word: str, idx: SymbolIndex, structs: list[str]) -> Resolved | None:
    """A bare member name of the first struct (of ``structs``) that has it."""
    for s in structs:
        fields = idx.fields.get(s)
        if fields and word in fields:
            info = fields[word]
            return Resolved(s, word, info, accepted_offsets(info), s)
    return None
