"""Value claims: each number of a clause, the entity it is about, and what it says of it.

What a number claims comes from the kind of value and the words around it: a cue before
it (``id``, ``offset``, ``size``, ``address``, ``+``, ``sizeof``, a table column's header)
or a unit after it (``bytes``, ``arguments``, ``entries``); with no cue, from the entity
(a table enum's number is its id, a constant's its value, ``Struct.member``'s its offset,
an 0x80XXXXXX number a function's or variable's address). The entity is the nearest one
of a fitting kind, with only claim-like words between them (see ``words``). A negation
("is not 0x14") inverts the claim; a hedge, a comparison, an instruction or a range makes
it no exact claim. Checked against every version the clause names (else the example's);
reported only when the graph's fact contradicts it in all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from validate.claims import layout
from validate.claims.mentions import Tok
from validate.claims.words import (
    ADDR,
    APPROX,
    ARGS,
    BLOCK,
    COUNT,
    CUE_AFTER,
    CUE_BEFORE,
    FILLER,
    ID,
    NEGATION,
    OFFSET,
    OFFSET_AFTER_BYTES,
    OTHER_QUANTITY,
    SIZE,
    VALUE,
)
from validate.index import SymbolIndex

if TYPE_CHECKING:
    from validate.claims.checker import ClaimChecker

OFFSET_AT = "offset-at"
# a value something is changed to, not what it is
CHANGE = {
    "becomes",
    "become",
    "grows",
    "grow",
    "shrinks",
    "shrink",
    "goes",
    "set",
    "sets",
    "changes",
    "change",
    "changed",
    "increases",
    "decreases",
    "moves",
    "moved",
}
_WEAK_OPS = {"=", "==", ":", "(", ")", ",", "->", "'", "=>", "-", "#", "|"}
_EXPR_OPS = {
    "<<": lambda a, b: a << b if 0 <= b < 64 else None,
    ">>": lambda a, b: a >> b if 0 <= b < 64 else None,
    "|": lambda a, b: a | b,
}


def is_address(value: int) -> bool:
    return 0x80000000 <= value < 0x81000000


@dataclass(slots=True)
class Claim:
    what: str
    ent: Tok
    value: int
    negated: bool
    at: int  # index of the number
    line: int
    resolved: layout.Resolved | None = None
    alt: int | None = None  # "198" read as hex: decomp comments often drop the 0x


_NO_CLAIM: tuple[str | None, bool, bool] = (None, False, True)


def _cue(toks: list[Tok], i: int) -> tuple[str | None, bool, bool]:
    """(cue, strong, no-claim) from the words just before and after the number at ``i``: the
    nearest cue word before it wins; a noun of another quantity ("flags", "frames") before the
    cue, or right after the number, makes it no claim of an entity's id or layout."""
    before = _cue_before(toks, i)
    if before is None:
        return _NO_CLAIM
    cue, strong, quantity = before
    k = i + 1
    if k + 2 < len(toks) and toks[k].text == "(" and toks[k + 1].kind == "num" and toks[k + 2].text == ")":
        k += 3  # "0x14 (20)": a restatement
    if k < len(toks) and toks[k].kind == "word" and toks[k].low in CUE_AFTER:
        after = CUE_AFTER[toks[k].low]
        if after == SIZE and k + 1 < len(toks) and toks[k + 1].low in OFFSET_AFTER_BYTES:
            after = OFFSET
        if cue is None or cue in (ID, VALUE) or (cue == SIZE and after == SIZE):
            cue, strong = after, True
        elif cue == OFFSET and after == SIZE:
            return _NO_CLAIM  # "at offset 0x24, 12 bytes": two numbers, unclear which
    if cue is None and i >= 1 and toks[i - 1].low == "at" and toks[i].hexy:
        cue = OFFSET_AT  # "world sits at 0x24 within Actor": an offset if a member is named
    if _quantity_after(toks, k, cue) or (cue is None and quantity):
        return _NO_CLAIM
    return cue, strong, False


def _cue_before(toks: list[Tok], i: int) -> tuple[str | None, bool, bool] | None:
    """(the nearest cue before the number at ``i``, strong, a quantity noun came first), or
    None when the words before make it no claim ("about", "up to", "set to")."""
    quantity = False
    for j in range(i - 1, max(-1, i - 8), -1):
        t = toks[j]
        if (t.kind == "op" and t.text in (";", "|")) or t.kind == "num":
            break
        key = t.low if t.kind == "word" else t.text if t.kind == "op" else ""
        if key == "up" and j + 1 < i and toks[j + 1].low == "to":
            return None
        if (key in APPROX or key in CHANGE) and j >= i - 2:
            return None  # "about 0x10", "becomes 0x294 bytes", "set to 0x10"
        if key in OTHER_QUANTITY:
            quantity = True  # "its flags are 0x10"; unless a cue says what it is of
            continue
        if key in CUE_BEFORE:
            if key in ("+", "#") and j != i - 1:
                continue  # "+0x24", "#5" only right before the number ("#if X (line 5)")
            return CUE_BEFORE[key], True, quantity
        if t.kind == "ent" and t.ek == "struct" and j >= 2 and toks[j - 2].low == "sizeof":
            return SIZE, True, quantity
    return None, False, quantity


def _quantity_after(toks: list[Tok], k: int, cue: str | None) -> bool:
    """A noun of another quantity just after the number: "0x10 as its flags", "20 frames"."""
    for t in toks[k : k + 3]:
        if t.text in (",", ";", ".", "|") or t.low in ("and", "but", "while"):
            break
        if t.low in OTHER_QUANTITY and not (t.text[:1].islower() and cue == OFFSET_AT):
            return True
    return False


def _value(toks: list[Tok], i: int, used: set[int]) -> int | None:
    """The number at ``i`` with a following ``<<``/``|`` term; None for a range or sum."""
    t = toks[i]
    v = t.value
    if v is None:
        return None
    n = len(toks)
    if i + 2 < n and toks[i + 1].kind in ("op", "word") and toks[i + 2].kind == "num":
        op = toks[i + 1].text if toks[i + 1].kind == "op" else toks[i + 1].low
        if op in _EXPR_OPS and toks[i + 2].value is not None:
            used.add(i + 2)
            return _EXPR_OPS[op](v, toks[i + 2].value)
        if op in ("-", "+", "*", "/", "to", "and", "or", "..", "x"):
            used.add(i + 2)
            return None  # a range, a sum, a list of values
    if i >= 2 and toks[i - 2].kind == "num" and toks[i - 1].text in ("-", "+", "*", "/", "to", "or"):
        return None
    if i >= 2 and toks[i - 1].text == ":" and toks[i - 2].ek == "file":
        return None  # "z_en_horse.h:15": a line number
    if i >= 1 and toks[i - 1].text == "-" and (i < 2 or toks[i - 2].kind not in ("num", "ent")):
        v = -v
    if i >= 2 and toks[i - 1].text == "(" and toks[i - 2].kind == "num":
        return None  # "0x14 (20)": the restatement is checked with the first
    return v


def _path_ok(path: list[Tok], strong: bool, rivals: set[int], lo: int, listing: bool) -> tuple[bool, bool]:
    """(is a claim path, negated) for the tokens between an entity and its number; with
    ``listing`` (a clause naming several versions) the numbers of the other versions may
    stand between them."""
    neg = False
    weak_words = 0
    length = 0
    for k, t in enumerate(path):
        if t.kind != "ver" and t.kind != "num":
            length += 1
        if lo + k in rivals:
            return False, False
        if t.kind == "word":
            w = t.low
            if w in NEGATION:
                neg = True
                continue
            if w in BLOCK:
                return False, False
            if w not in FILLER and w not in CUE_BEFORE:
                if not strong:
                    return False, False
                weak_words += 1
        elif t.kind == "op":
            if t.text in (".", ";", "?", "!") or (t.text not in _WEAK_OPS and not strong and t.text not in CUE_BEFORE):
                return False, False
        elif t.kind == "num" and not listing:
            return False, False
    if not strong and length > 5:
        return False, False
    return (weak_words <= 8), neg


class ValueClaims:
    def __init__(self, chk: ClaimChecker) -> None:
        self.chk = chk

    def run(self, toks: list[Tok], line: int, table: bool) -> None:
        used: set[int] = set()
        listing = sum(1 for t in toks if t.kind == "ver") >= 2
        last: tuple[str | None, bool] = (None, False)
        for i, t in enumerate(toks):
            if t.kind != "num" or t.value is None or i in used:
                continue
            value = _value(toks, i, used)
            if value is None:
                continue
            cue, strong, no_claim = _cue(toks, i)
            if no_claim:
                continue
            if cue is None and listing:
                cue, strong = last  # "332 bytes on the debug ROM and 316 on NTSC 1.0"
            last = (cue, strong)
            claim = self._claim(toks, i, value, cue, strong, line, table)
            if claim is not None:
                if not t.hexy and value == t.value and value >= 10 and t.text.isdigit():
                    claim.alt = int(t.text, 16)
                self.chk.check_value(claim, toks)

    def _claim(
        self, toks: list[Tok], i: int, value: int, cue: str | None, strong: bool, line: int, table: bool
    ) -> Claim | None:
        at = cue == OFFSET_AT
        if at:
            cue = None
        whats: tuple[str, ...]
        if is_address(value):
            whats = (ADDR,) if cue in (None, ADDR, ID, VALUE) else ()
        elif cue is None:
            whats = (ID, VALUE, OFFSET)
        elif cue == ADDR:
            whats = ()
        else:
            whats = (cue,) if cue != ID else (ID, VALUE)
        if not whats:
            return None
        best = None
        rivals: set[int] = set()
        for j, e in enumerate(toks):
            if e.kind == "ent" and self._what(e, whats, cue) is not None:
                rivals.add(j)
        # "at offset 0x0, size 0x14": a number with its own cue may follow another's
        listing = sum(1 for t in toks if t.kind == "ver") >= 2 or (strong and i >= 1 and toks[i - 1].low in CUE_BEFORE)
        for j in sorted(rivals, key=lambda j: (abs(j - i), j > i)):
            lo, hi = (j + 1, i) if j < i else (i + 1, j)
            ok, neg = _path_ok(toks[lo:hi], strong or table, rivals, lo, listing)
            if not ok:
                continue
            e = toks[j]
            what = self._what(e, whats, cue)
            assert what is not None
            best = Claim(what, e, value, neg or _neg_before(toks, min(i, j)), i, line)
            break
        if best is None and (OFFSET in whats or SIZE in whats or COUNT in whats) and (strong or table or at):
            best = self._bare_member(toks, i, value, whats, line, table)
        if best is None:
            return None
        if best.what == OFFSET and best.ent.ek == "struct":
            return None
        return best

    @staticmethod
    def _what(e: Tok, whats: tuple[str, ...], cue: str | None) -> str | None:
        """What a number says of entity ``e`` (the first of ``whats`` that fits it)."""
        ek = e.ek
        for w in whats:
            if w == ID and (ek == "table" or (cue == ID and ek in ("struct", "segment") and e.sub)):
                return w
            if (
                (w == VALUE and ek in ("const", "table"))
                or (w == ARGS and ek == "func")
                or (w == ADDR and ek in ("func", "global", "segment"))
            ):
                return w
            if w == SIZE and (ek in ("struct", "chain") or (ek == "table" and e.sub == "Actor")):
                return w
            if w == OFFSET and ek == "chain" and (cue == OFFSET or e.sub == "struct"):
                return w
            if w == COUNT and ek in ("chain", "struct"):
                return w
        return None

    def _bare_member(
        self, toks: list[Tok], i: int, value: int, whats: tuple[str, ...], line: int, table: bool = False
    ) -> Claim | None:
        """ "speed lives at offset 0x68 of Actor": a plain word naming a member of a struct the
        clause (or the prose before it) is about."""
        structs = [
            t.name
            for t in sorted(
                (t for t in toks if t.kind == "ent" and t.ek == "struct"), key=lambda t: abs(toks.index(t) - i)
            )
        ]
        structs += [s for s in self.chk.context_structs() if s not in structs]
        if not structs:
            return None
        common = FILLER | BLOCK | APPROX | NEGATION | set(CUE_BEFORE)

        def rank(j: int) -> tuple[bool, bool, int, bool]:
            # a code-like word (unk_132, yawTowardsPlayer) before an English one (at, scale)
            w = toks[j].text
            plain = w.islower() and "_" not in w
            return toks[j].low in common, plain, abs(j - i), j > i

        order = sorted(range(len(toks)), key=rank)
        idx = self.chk.idx
        for j in order:
            t = toks[j]
            if (
                t.kind != "word"
                or j == i
                or abs(j - i) > 10
                or not t.text[:1].islower()
                or t.low in CUE_BEFORE
                or t.low in CUE_AFTER
            ):
                continue  # not the cue word itself ("size" is also GameState.size)
            r = layout.bare(t.text, idx, structs)
            if r is None:
                continue
            lo, hi = (j + 1, i) if j < i else (i + 1, j)
            path = toks[lo:hi]
            stops = (",", ";") if table else (",", ";", "|")
            if (
                len(path) > 8
                or any(p.kind == "word" and p.low in BLOCK for p in path)
                or any(p.kind == "num" or p.text in stops for p in path)
            ):
                continue
            what = OFFSET if OFFSET in whats else SIZE if SIZE in whats else COUNT
            ent = Tok("ent", f"{r.struct}.{t.text}", t.low, "chain", f"{r.struct}.{t.text}")
            neg = any(p.kind == "word" and p.low in NEGATION for p in path)
            return Claim(what, ent, value, neg or _neg_before(toks, min(i, j)), i, line, r)
        return None


def _neg_before(toks: list[Tok], k: int) -> bool:
    return any(t.kind == "word" and t.low in NEGATION for t in toks[max(0, k - 2) : k])


def lookup(
    claim: Claim, idx: SymbolIndex, resolve: Callable[[str, SymbolIndex], object]
) -> tuple[set[int] | None, str, object]:
    """(values the claim may name in this version, the fact's own value as text, extra)."""
    e, what = claim.ent, claim.what
    if what == ADDR:
        known = idx.addresses.get(e.name)
        return (
            ({a for a, _ in known} if known else None),
            (f"{known[0][0]:#010x} (source: {known[0][1] or 'graph'})" if known else ""),
            None,
        )
    if what in (ID, VALUE):
        if e.ek == "table":
            v = idx.domain.get(e.sub, {}).get(e.name)
        elif e.ek in ("struct", "segment") and e.sub:
            v = idx.domain.get("Actor", {}).get(e.sub)
        else:
            v = idx.constants.get(e.name, idx.defines.get(e.name))
        return ({v} if v is not None else None), (f"{v:#06x}" if v is not None else ""), None
    if what == SIZE:
        if e.ek == "table":
            a = idx.actors.get(e.name)
            v = a.instance_size if a else None
        elif e.ek == "struct":
            v = idx.structs.get(e.name, (None, None))[0]
        else:
            r = resolve(e.text, idx)
            if not isinstance(r, layout.Resolved) or r.info is None or layout.bitfield_like(r.info):
                return None, "", r
            v = r.info.size
        return ({v} if v is not None else None), (f"{v:#x} bytes" if v is not None else ""), None
    if what == ARGS:
        f = idx.functions.get(e.name)
        if f is None or f.params is None:
            return None, "", None
        n = len([p for p in f.params if p[1].strip() != "void"])
        ok = set(range(n, n + 16)) if f.variadic else {n}
        return ok, f"{n}{' or more' if f.variadic else ''} argument{'s' if n != 1 else ''}", None
    if what == COUNT:
        if e.ek == "struct":
            fields = idx.fields.get(e.name)
            if not fields or layout.has_anonymous(fields):
                return None, "", None
            return {len(fields)}, f"{len(fields)} members", None
        r = resolve(e.text, idx)
        length = layout.array_length(r.info) if isinstance(r, layout.Resolved) and r.info else None
        return ({length} if length is not None else None), f"{length} entries", r
    r = resolve(e.text, idx)  # OFFSET
    if not isinstance(r, layout.Resolved):
        return None, "", None
    if r.info is None:
        return set(), "", r
    off = r.info.offset
    return (r.offsets or None), (f"{off:#x}" if off is not None else ""), r
