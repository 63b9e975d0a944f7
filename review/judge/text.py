"""What the offline judge reads out of an example's text: its turns, code, identifiers,
numbers and version names, and the same out of the facts it rests on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from validate.extract import split_message

_WORD = re.compile(r"(?<![0-9A-Za-z_])[A-Za-z_][A-Za-z0-9_]*")
_INCLUDE = re.compile(r"^\s*#\s*include\b.*$", re.M)
# a file of the decomp (`include/tables/object_table.h:9`, `spec/overlays_gc`): a place, not
# a name the answer uses
_PATH = re.compile(r"[\w.-]*/[\w./-]+|\b[\w-]+\.(?:c|h|inc|s|xml|ld|mk|yaml|json)\b")
_NUMBER = re.compile(r"(?<![\w.\-:/])(0[xX][0-9A-Fa-f]+|\d+)(?!\w|\.\d)")
VERSION = re.compile(r"\b(?:ntsc|pal|gc|ique)-[a-z0-9][a-z0-9.\-]*[a-z0-9]\b")
_CAMEL = re.compile(r"^(?:[a-z]+[A-Z]|[A-Z][a-z0-9]+[A-Z])")
_DEFINED = re.compile(r"^\s*(?:static\s+)?[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*\{", re.M)
_LOCAL = re.compile(
    r"\b(?:s8|u8|s16|u16|s32|u32|s64|u64|f32|f64|int|float|Vec3f|Vec3s|Actor|"
    r"PlayState|[A-Z]\w+)\s*\*?\s+([A-Za-z_]\w*)\s*[=;,)\[]"
)

STOP = frozenset(
    """a about above after again against all also am an and any are as at be because
been before being below between both but by can cannot could did do does doing down during each
few for from further had has have having he her here hers him his how i if in into is it its
itself just me more most my no nor not now of off on once only or other our out over own same she
should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you your
yours want need know tell give show make get use using used like really please thanks thank one
two three first still much many well okay ok let lets i'm it's don't doesn't can't i've you're
will would shall may might must into onto does done""".split()
)

# Names every decomp file has in scope: its base types, the core structs and the display-list
# macros. An answer may use them without a fact behind them.
IDIOMS = frozenset(
    """s8 u8 s16 u16 s32 u32 s64 u64 f32 f64 uintptr_t size_t Vec3f Vec3s Vec3i
PosRot Actor PlayState GameState GraphicsContext Gfx Mtx MtxF Color_RGBA8 Color_RGB8 NULL
OPEN_DISPS CLOSE_DISPS POLY_OPA_DISP POLY_XLU_DISP OVERLAY_DISP __gfxCtx gfxCtx thisx play
ARRAY_COUNT sizeof offsetof this ACTOR_FLAG_ ActorProfile ActorFunc SEGMENTED_TO_VIRTUAL
VIRTUAL_TO_PHYSICAL""".split()
)


class FactLike(Protocol):
    id: str
    text: str
    source: str
    entity: str
    kind: str


@dataclass
class Parts:
    question: str
    pairs: list[tuple[str, str]]  # (user turn, the assistant turn that answers it)
    answer: str  # every assistant turn
    prose: str
    code: list[str]  # every code block
    turns: int
    # quotes of the decomp (a fence naming ``path:first-last``) the validator did not find
    # wrong: the decomp's own code, grounded by the checkout rather than by the facts
    quoted: list[str] = field(default_factory=list)
    own_code: list[str] = field(default_factory=list)  # the rest: the example's own code


_OTHER_QUOTE = re.compile(
    r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*(?!c\b|h\b)[A-Za-z]\w*[ \t]+"
    r"[\w./-]+:\d+(?:-\d+)?[ \t]*\n(.*?)^[ \t]{0,3}\1[ \t]*$",
    re.M | re.S,
)


def _other_quotes(text: str) -> list[str]:
    """Fenced quotes of a decomp file in a language the validator does not read (```` ```xml
    assets/xml/audio/soundfonts/Soundfont_27.xml:1-20 ````)."""
    return [m.group(2) for m in _OTHER_QUOTE.finditer(text)] if "```" in text else []


# what the validator says of a quote that is not the decomp's text
QUOTE_WRONG = ("quote-mismatch", "quote-unknown-file")


def split(messages: list[dict[str, Any]], report: dict[str, Any] | None = None) -> Parts:
    """``report``: the example's validation report, full (issues) or slim (codes); a quote it
    finds wrong is the example's own code."""
    report = report or {}
    wrong = {
        (i.get("message_index"), i.get("block")) for i in report.get("issues") or [] if i.get("code") in QUOTE_WRONG
    }
    any_wrong = not report.get("issues") and any(c in QUOTE_WRONG for c in report.get("codes") or [])
    user = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
    pairs: list[tuple[str, str]] = []
    pending = None
    answers: list[str] = []
    prose: list[str] = []
    code: list[str] = []
    quoted: list[str] = []
    own: list[str] = []
    for i, m in enumerate(messages):
        text = m.get("content", "") or ""
        if m.get("role") == "user":
            pending = text
        elif m.get("role") == "assistant":
            answers.append(text)
            blocks, parts = split_message(text, i)
            quoted += _other_quotes(text)  # a file of the decomp in another language (XML)
            for b in blocks:
                code.append(b.code)
                verified = b.location and not b.edit and not any_wrong and (i, b.block_index) not in wrong
                (quoted if verified else own).append(b.code)
            prose += [p.text for p in parts]
            if pending is not None:
                pairs.append((pending, text))
                pending = None
    return Parts(
        question=user,
        pairs=pairs,
        answer="\n".join(answers),
        prose="\n".join(prose),
        code=code,
        turns=len(messages),
        quoted=quoted,
        own_code=own,
    )


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def code_like(tok: str) -> bool:
    """A name as code writes it: with an inner underscore, or camel-cased."""
    if len(tok) < 4:
        return False
    return ("_" in tok.strip("_")) or _CAMEL.match(tok) is not None


@lru_cache(maxsize=512)
def identifiers(text: str) -> frozenset[str]:
    text = _INCLUDE.sub("", text)
    if "/" in text or "." in text:
        text = _PATH.sub(" ", text)
    return frozenset(w for w in set(words(text)) if code_like(w))


@lru_cache(maxsize=512)
def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in {x.lower() for x in words(text) if len(x) >= 4} if w not in STOP)


def numbers(text: str) -> list[int]:
    out = []
    for m in _NUMBER.finditer(text):
        tok = m.group(1)
        try:
            out.append(int(tok, 16) if tok.lower().startswith("0x") else int(tok))
        except ValueError:
            continue
    return out


def versions(text: str) -> set[str]:
    return set(VERSION.findall(text))


_TYPEDEF = re.compile(r"\}\s*([A-Za-z_]\w*)\s*;|\bstruct\s+([A-Za-z_]\w*)\s*\{|#define\s+([A-Za-z_]\w*)")


def defined_names(code: Iterable[str]) -> set[str]:
    """What the answer's own code defines: functions, locals and parameters, types, macros."""
    names: set[str] = set()
    for c in code:
        names.update(_DEFINED.findall(c))
        names.update(_LOCAL.findall(c))
        names.update(n for groups in _TYPEDEF.findall(c) for n in groups if n)
    return names


_TYPE_LIMITS = {127, 128, 255, 256, 32767, 32768, 65535, 65536, 2147483647, 2147483648, 4294967295, 4294967296}


def trivial_number(n: int) -> bool:
    """Numbers an answer needs no fact for: small counts and the integer types' limits."""
    return n <= 16 or n in _TYPE_LIMITS


_HEX_DEC = re.compile(r"\b0[xX]([0-9A-Fa-f]+)\s*\((\d+)\)")


def hex_dec_mismatches(text: str) -> list[str]:
    """``0x1C (28)``-style pairs whose two spellings disagree."""
    return [m.group(0) for m in _HEX_DEC.finditer(text) if int(m.group(1), 16) != int(m.group(2))]


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


_HEX = re.compile(r"0[xX][0-9A-Fa-f]+")


def as_number(tok: str) -> int | None:
    if tok.isdigit():
        return int(tok)
    return int(tok, 16) if _HEX.fullmatch(tok) else None


def significant(tok: str) -> bool:
    if tok[0].isdigit():
        n = as_number(tok)
        return n is not None and not trivial_number(n)
    return code_like(tok) or tok in IDIOMS


# Every character that cannot be part of a name or a number, as a space: splitting on them
# is the token regex's answer at C speed (the judge tokenises every fact of every context).
_SEP = {i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")}
_SEP.update({ord(c): " " for c in "—–×’‘“”…·•→←≥≤"})


def tokens(text: str) -> set[str]:
    return set(text.translate(_SEP).split())


class FactTokens:
    """Each fact's token set, and all of them (made once per context, shared by its
    examples)."""

    def __init__(self, fact_texts: list[str]) -> None:
        self.sets = [frozenset(tokens(t)) for t in fact_texts]
        self.everywhere = frozenset().union(*self.sets)

    def near(self, names: set[str]) -> list[frozenset[str]]:
        """Token sets of the facts that have any of ``names``."""
        return [ts for ts in self.sets if not ts.isdisjoint(names)]


def misquotes(prose: str, facts: FactTokens) -> list[tuple[str, str]]:
    """Sentences that restate a fact with one name, number or type swapped: the closest
    fact (most shared tokens) lacks a token the sentence has, and has one of the same
    class the sentence lacks. Returns (what the fact says, what the answer says)."""
    sentences = [tokens(x) for x in _SENTENCE.split(prose)]
    # only facts sharing one of its names (not its common words) can be a sentence's closest
    names = {t for toks in sentences for t in toks if len(t) >= 4 and t in facts.everywhere and code_like(t)}
    if not names:
        return []
    near = facts.near(names)
    out = []
    for toks in sentences:
        if len(toks) < 4 or toks.isdisjoint(names):
            continue
        best, best_j = None, 0.0
        for ft in near:
            inter = len(toks & ft)
            if inter < 3:
                continue
            j = inter / (len(toks) + len(ft) - inter)
            if j > best_j:
                best, best_j = ft, j
        if best is None or best_j < 0.4:
            continue
        said = {t for t in toks - best if significant(t)}
        given = {t for t in best - toks if significant(t)}
        for a in said:
            match = [b for b in given if b[0].isdigit() == a[0].isdigit()]
            # a close restatement swapping a token is a misquote even if the new token is
            # true elsewhere; a looser one only when no fact has it at all
            if match and (best_j >= 0.5 or a not in facts.everywhere):
                out.append((match[0], a))
                break
    return out


@dataclass
class Corpus:
    """The facts an example may rest on, as sets the features test membership in."""

    idents: set[str] = field(default_factory=set)  # every word of the facts, as written
    # (file, line) a fact's source names -> the entities of those facts (where each is defined)
    places: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)  # the same, lower case
    numbers: set[int] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # entity keys and their last parts

    texts: list[str] = field(default_factory=list)
    _tokens: FactTokens | None = None

    @property
    def tokens(self) -> FactTokens:
        if self._tokens is None:
            self._tokens = FactTokens(self.texts)
        return self._tokens

    @classmethod
    def of(cls, facts: Sequence[FactLike] | None, fact_ids: list[str]) -> Corpus:
        """The corpus of a context's facts (made once per facts list: examples about one
        target share it), or of the fact ids alone when the facts are unknown."""
        if facts is None:
            return cls._build(None, fact_ids)
        hit = _CORPORA.get(id(facts))
        if hit is not None and hit[0] is facts:
            return hit[1]
        c = cls._build(facts, [])
        _CORPORA[id(facts)] = (facts, c)
        if len(_CORPORA) > 256:
            _CORPORA.pop(next(iter(_CORPORA)))
        return c

    @classmethod
    def _build(cls, facts: Sequence[FactLike] | None, fact_ids: list[str]) -> Corpus:
        c = cls()
        c.texts = [f"{f.text} {f.source} {f.id}" for f in facts or []]
        for f in facts or []:
            c.ids.add(f.id)
            c.names.update((f.entity, f.entity.rsplit(":", 1)[-1], f.entity.split(".")[-1]))
            m = _SOURCE.fullmatch(f.source or "")
            if m and f.entity:
                c.places.setdefault((m.group(1), int(m.group(2))), set()).add(f.entity.rsplit(":", 1)[-1])
        c.names.discard("")
        # one tokenising pass: the same token sets serve the misquote check
        c._tokens = FactTokens(c.texts + list(fact_ids))
        toks = c._tokens.everywhere
        c.idents = {t for t in toks if not t[0].isdigit()}
        c.words = {w.lower() for w in c.idents}
        c.numbers = {n for t in toks if t[0].isdigit() and (n := as_number(t)) is not None}
        return c

    def supports(self, n: int, shown: set[int], asked: AbstractSet[int] = frozenset()) -> bool:
        """A fact's number, or one arithmetic step the answer shows (both operands among the
        numbers it states), or a fact's address plus a fact's offset."""
        have = self.numbers | asked
        if n in have:
            return True
        for pool, others in ((shown, shown), ({a for a in have if a >= 0x10000}, have)):
            for a in pool:
                if a <= 0:
                    continue
                if (n - a) in others or (a - n) in others or (n + a) in others:
                    return True
                if pool is shown:
                    for m in (1, 2, 8):
                        if (n * m) % a == 0 and (n * m) // a in others:
                            return True
        return False


_CORPORA: dict[int, tuple[Sequence[FactLike], Corpus]] = {}
_SOURCE = re.compile(r"([\w./-]+\.[ch]):(\d+)")
# a name right before the location of its code: "EnTite_Update (`src/.../z_en_tite.c:39-46`)",
# "It connects to EnTite_Init, `src/.../z_en_tite.c:24-34`"
_PLACED = re.compile(r"\b([A-Za-z_]\w*)\b,?[ \t]*\(?[ \t]*`([\w./-]+\.[ch]):(\d+)(?:-\d+)?`")


def placed(prose: str) -> list[tuple[str, str, int]]:
    """(name, file, first line) for each code name the prose places at a file:line."""
    return [(m.group(1), m.group(2), int(m.group(3))) for m in _PLACED.finditer(prose) if code_like(m.group(1))]
