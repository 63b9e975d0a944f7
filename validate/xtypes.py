"""Types of C expressions for the cross-reference checks: typedefs resolved through the
snippet's and the graph's, an argument's type, and whether it fits a parameter."""

from __future__ import annotations

import re
from typing import Any

from validate.clex import Tok, matching
from validate.ctypes_ import SCALAR_BASES, SCALAR_CANON, CType, parse_type

UNKNOWN_ACTOR = "<an actor struct>"
_FLOATY = re.compile(r"[.eE]")


class TypeOps:
    """Mixed into CodeChecker, which has ``idx``, ``sc``, the caches and ``chain`` (the type
    of a member-access chain)."""

    idx: Any
    sc: Any
    _canon: dict
    _compat: dict
    chain: Any

    def canon(self, ct: CType | None) -> CType | None:
        """Resolve typedefs: ``ActorFunc`` -> function pointer, ``Vec3f`` -> Vec3f."""
        if ct is None:
            return None
        try:
            return self._canon[ct]
        except KeyError:
            out = self._canon[ct] = self._resolve(ct)
            return out

    def _resolve(self, ct: CType | None) -> CType | None:
        seen = 0
        while ct is not None and not ct.func and seen < 10:
            seen += 1
            base = ct.base
            if base in SCALAR_CANON:
                return CType(SCALAR_CANON[base], ct.ptr)
            if base in self.sc.typedefs:
                nxt = self.sc.typedefs[base]
                if nxt == base or not nxt:
                    return ct
                ct = CType(nxt, ct.ptr)
                continue
            under = self.idx.typedefs.get(base)
            if under is None:
                return ct
            u = parse_type(under)
            if u is None or u.base == base:
                return ct
            ct = CType(u.base, ct.ptr + u.ptr, u.func)
        return ct

    def known_base(self, ct: CType) -> bool:
        b = ct.base
        return b == UNKNOWN_ACTOR or b in SCALAR_BASES or b in self.sc.structs or b in self.idx.structs or b == "void"

    def arg_type(self, arg: list[Tok]) -> CType | None:
        if not arg:
            return None
        if len(arg) == 1:
            t = arg[0]
            if t.kind == "num":
                return CType("float" if _FLOATY.search(t.text) and not t.text.lower().startswith("0x") else "int32")
            if t.kind == "str":
                return CType("int8", 1) if t.text.startswith('"') else CType("int32")
            if t.text == "NULL":
                return None
        if arg[0].text == "&" and len(arg) > 1 and arg[1].kind == "id":
            ct, end = self.chain(arg, 1, check=False)
            return ct.addr() if ct is not None and end == len(arg) else None
        if arg[0].kind == "id" and arg[0].text not in self.sc.funcs and arg[0].text not in self.idx.functions:
            ct, end = self.chain(arg, 0, check=False)
            return ct if end == len(arg) else None
        if arg[0].text == "(" and len(arg) > 3:
            close = matching(arg, 0)
            inner = arg[1:close]
            if (
                inner
                and all(x.kind == "id" or x.text == "*" for x in inner)
                and any(x.text == "*" for x in inner)
                and close + 1 < len(arg)
            ):
                return parse_type(" ".join(x.text for x in inner))
        return None

    def compatible(self, param: CType | None, arg: CType | None, arg_toks: list[Tok]) -> bool:
        key = (param, arg)
        try:
            ok = self._compat[key]
        except KeyError:
            ok = self._compat[key] = self._compatible(param, arg)
        if ok is None:  # a pointer parameter given a scalar: only a null constant will do
            return len(arg_toks) == 1 and arg_toks[0].text in ("0", "NULL")
        return ok

    def _compatible(self, param: CType | None, arg: CType | None) -> bool | None:
        p, a = self.canon(param), self.canon(arg)
        if p is None or a is None or p.func or a.func:
            return True
        if not self.known_base(p) or not self.known_base(a):
            return True
        if UNKNOWN_ACTOR in (p.base, a.base) and p.ptr == a.ptr == 1 and "Actor" not in (p.base, a.base):
            return True  # `this` of an actor the snippet does not name: any actor's struct,
            # never the Actor base itself (that is &this->actor)
        if p.ptr == 0 and a.ptr == 0:
            # scalars convert; a struct by value must be the same struct
            if p.base in SCALAR_BASES or a.base in SCALAR_BASES:
                return (p.base in SCALAR_BASES) == (a.base in SCALAR_BASES)
            return p.base == a.base
        if p.ptr > 0 and a.ptr == 0:
            return None
        if p.ptr == 0 and a.ptr > 0:
            return False
        if p.base == "void" or a.base == "void":
            return p.ptr >= 1 and a.ptr >= 1
        if p.ptr != a.ptr:
            return False
        return p.base == a.base
