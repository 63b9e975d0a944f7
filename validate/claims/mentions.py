"""A clause as tokens: graph entities, numbers, versions, words and operators.

Every identifier-like word is looked up once per version (cached): a table enum
(``ACTOR_EN_HORSE``), constant, function, global, struct or typedef, an actor's struct,
overlay or debug name, a segment, a source file, an asset, or a member chain
(``Actor.world.pos``, ``this->actor.speed``, resolved later against the context). The
tokenizer is one linear-time regex (possessive quantifiers; every repetition starts with
a distinct delimiter), so no input can make it backtrack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from validate.claims.versions import find_versions
from validate.index import DOMAIN_KINDS, SymbolIndex

_TOK = re.compile(
    r"""
   (?P<path>[\w.-]++(?:/[\w.-]++)++)
  |(?P<num>(?:0[xX][0-9A-Fa-f]++|\d++(?:\.\d++)?)[uUlLfF]{0,3}(?!\w))
  |(?P<word>[A-Za-z_]\w*+(?:(?:\.|->|::)[A-Za-z_]\w*+)*+|\w++)
  |(?P<op><<|>>|==|!=|->|=>|<=|>=|[=:;,()\[\]{}|<>+*/&~\#@$%'!?-]|[\u2014\u2013\u2192\u2248])
""",
    re.X,
)
# an arrow reads as "->"; a dash is a separator, never a minus sign
_OP_ALIASES = {"\u2192": "->", "\u2014": "\u2014", "\u2013": "\u2014", "\u2248": "~"}
_ALLCAPS = re.compile(r"[A-Z][A-Z0-9]*+(?:_[A-Z0-9]++)++")
_FILE = re.compile(r"[\w.-]*\.[ch]")
_CHAIN_HEAD = re.compile(r"\w+")
TABLE_PREFIXES = tuple(DOMAIN_KINDS.values())


@dataclass(slots=True)
class Tok:
    kind: str  # ent | num | word | op | ver
    text: str
    low: str = ""
    ek: str = ""  # entity kind: table, const, func, global, struct, chain, file, segment, asset
    name: str = ""  # canonical name (an actor's enum for its struct/overlay/debug name)
    sub: str = ""  # the table kind (Actor, Object...) or the actor a struct/segment belongs to
    value: int | None = None
    hexy: bool = False
    vers: frozenset[str] | None = None


def _num(text: str) -> tuple[int | None, bool]:
    t = text.rstrip("uUlLfF") if not text[:2].lower() == "0x" else text.rstrip("uUlL")
    if t[:2].lower() == "0x":
        return int(t, 16), True
    if "." in t or (text[-1:] in "fF"):
        return None, False
    if len(t) > 1 and t[0] == "0":
        return None, False  # "0014": octal to C, hex to a table reader; not a claim
    return int(t), False


class Classifier:
    """Word -> entity for one version's index (cached: prose repeats its names)."""

    def __init__(self, idx: SymbolIndex, segments: set[str], files: dict[str, list[str]]) -> None:
        self.idx = idx
        self.segments = segments
        self.files = files  # basename -> paths
        self.cache: dict[str, tuple[str, str, str]] = {}
        # clause text -> its tokens: generated prose repeats whole sentences (about half of
        # a run's clauses were seen before); tokens are never changed once made
        self.clauses: dict[str, tuple[Tok, ...]] = {}
        self.by_overlay: dict[str, str] = {}
        self.by_struct: dict[str, str] = {}
        for a in idx.actors.values():
            if a.overlay:
                self.by_overlay[a.overlay] = a.enum
                self.by_overlay.setdefault(a.overlay[4:], a.enum)  # En_Horse
            if a.instance_struct:
                self.by_struct.setdefault(a.instance_struct, a.enum)

    def __call__(self, w: str) -> tuple[str, str, str]:
        hit = self.cache.get(w)
        if hit is None:
            if len(self.cache) > 50000:
                self.cache.clear()
            hit = self.cache[w] = self._classify(w)
        return hit

    def _classify(self, w: str) -> tuple[str, str, str]:
        idx = self.idx
        if "." in w or "->" in w or "::" in w:
            if _FILE.fullmatch(w):
                return "file", w, ""
            head = _CHAIN_HEAD.match(w)
            if head and (len(head.group()) >= 3 or head.group() in idx.globals):
                h = head.group()
                # "struct": rooted at a type (Actor.world), so its number is an offset
                return "chain", w, "struct" if (h[0].isupper() or "_" in h) and idx.struct_of(h) else ""
            return "", "", ""
        if w.startswith(TABLE_PREFIXES):
            for kind, pre in DOMAIN_KINDS.items():
                if w.startswith(pre) and w in idx.domain.get(kind, {}):
                    return "table", w, kind
        if _ALLCAPS.fullmatch(w) and (w in idx.constants or w in idx.defines):
            return "const", w, ""
        if w in idx.functions:
            return "func", w, ""
        if w in idx.globals:
            return "global", w, ""
        if w[0].isupper() or (("_" in w or not w.islower()) and w in idx.structs):
            real = idx.struct_of(w)
            if real is not None:
                return "struct", real, self.by_struct.get(real, "")
            if w in self.by_overlay:
                return "segment", w, self.by_overlay[w]
        if w in self.segments:
            return "segment", w, self.by_overlay.get(w, "")
        if w in idx.assets:
            return "asset", w, idx.assets[w] or ""
        if w in self.by_overlay:
            return "segment", w, self.by_overlay[w]
        return "", "", ""


def tokenize(text: str, cls: Classifier) -> list[Tok]:
    hit = cls.clauses.get(text)
    if hit is None:
        if len(cls.clauses) > 20000:
            cls.clauses.clear()
        hit = cls.clauses[text] = tuple(_tokenize(text, cls))
    return list(hit)


def _tokenize(text: str, cls: Classifier) -> list[Tok]:
    vers = find_versions(text)
    out: list[Tok] = []
    vi, emitted = 0, -1
    for m in _TOK.finditer(text):
        start = m.start()
        while vi < len(vers) and vers[vi].end <= start:
            vi += 1
        if vi < len(vers) and vers[vi].start <= start:
            if emitted != vi:
                v = vers[vi]
                vt = text[v.start : v.end]
                out.append(Tok("ver", vt, vt.lower(), vers=v.versions))
                emitted = vi
            continue
        g = m.lastgroup
        s = m.group()
        if g == "path":
            s = s.rstrip(".")  # a sentence's full stop after "include/actor.h."
        if g == "num":
            value, hexy = _num(s)
            out.append(Tok("num", s, value=value, hexy=hexy))
        elif g == "word" or g == "path":
            if g == "path" or s[0].isdigit():
                if _FILE.fullmatch(s.rsplit("/", 1)[-1]):
                    out.append(Tok("ent", s, s.lower(), "file", s))
                else:
                    out.append(Tok("word", s, s.lower()))
                continue
            ek, name, sub = cls(s)
            if ek:
                out.append(Tok("ent", s, s.lower(), ek, name, sub))
            else:
                out.append(Tok("word", s, s.lower()))
        else:
            out.append(Tok("op", _OP_ALIASES.get(s, s)))
    return _fold_offsetof(out, cls) if "offsetof" in text else out


def _fold_offsetof(toks: list[Tok], cls: Classifier) -> list[Tok]:
    """``offsetof(Actor, world)`` -> ``offsetof`` and the member chain ``Actor.world``."""
    out: list[Tok] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if (
            t.low in ("offsetof", "__builtin_offsetof")
            and i + 5 < n
            and toks[i + 1].text == "("
            and toks[i + 2].kind in ("ent", "word")
            and toks[i + 3].text == ","
            and toks[i + 4].kind in ("word", "ent")
            and toks[i + 5].text == ")"
        ):
            chain = f"{toks[i + 2].text}.{toks[i + 4].text}"
            out += [t, Tok("ent", chain, chain.lower(), "chain", chain)]
            i += 6
            continue
        out.append(t)
        i += 1
    return out
