"""Level 2 on prose (and comments): numeric claims about ids, addresses, offsets and sizes.

"ACTOR_EN_HORSE is 0x0014", "gSaveContext at 0x8011A5D0 on NTSC 1.0", "world is at
offset 0x24 in Actor", "instance size 0x3FC": each claim is matched with the graph's
fact for the version the sentence names (else the example's). A claim the graph has
no fact for is not counted, and never reported as wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from validate.clex import Lines
from validate.index import DOMAIN_KINDS, ActorInfo, SymbolIndex

NUM = r"(?P<num>0x[0-9A-Fa-f]+|\d+)"
NUM2 = NUM.replace("?P<num>", "?:")
_NAME_ID = re.compile(
    r"`?\b(?P<name>(?:ACTOR|OBJECT|SCENE|NA_BGM|NA_SE|EFFECT_SS|ENTR|GAMESTATE)_[A-Z0-9_]+)\b`?"
    r"(?:'s)?\s*(?:\(|,)?\s*(?:(?:is|=|==|equals|has(?:\s+the)?\s+(?:id|ID|value|number)"
    r"(?:\s+of)?|with\s+(?:id|ID)|id|ID|:)\s*(?:id\s+|ID\s+)?)" + r"`?" + NUM + r"\b")
_CONST_VAL = re.compile(r"`?\b(?P<name>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b`?\s*(?:is|=|==|equals)\s+`?"
                        + NUM + r"\b")
_ADDR = re.compile(
    r"`?\b(?P<name>[A-Za-z_]\w{2,})\b`?(?:\(\))?\s*(?:(?:is|lives|sits|resides|starts)\s+)?"
    r"(?:located\s+)?(?:at|@)\s+(?:address\s+|RAM\s+|ram\s+)?`?(?P<addr>0x8[0-9A-Fa-f]{7})\b")
_ADDR2 = re.compile(r"(?:address|RAM address)\s+of\s+`?(?P<name>[A-Za-z_]\w{2,})`?\s+(?:is|=)\s+`?"
                    r"(?P<addr>0x8[0-9A-Fa-f]{7})\b")
_OFFSET = [
    re.compile(r"`?\b(?P<field>[a-zA-Z_]\w*)`?\s+(?:field\s+|member\s+)?(?:is\s+|lies\s+|sits\s+)?"
               r"at\s+offset\s+" + NUM + r"\s+(?:in|of|within|inside)\s+(?:the\s+|an?\s+)?`?"
               r"(?P<struct>[A-Z]\w*)`?"),
    re.compile(r"`?\b(?P<struct>[A-Z]\w*)\.(?P<field>[a-zA-Z_]\w*)`?\s+(?:is\s+)?(?:at\s+)?"
               r"(?:offset\s+)?(?:is\s+)?(?:at\s+)?" + NUM + r"\b"),
    re.compile(r"offset\s+of\s+`?(?P<field>[a-zA-Z_]\w*)`?\s+(?:in|within)\s+`?(?P<struct>[A-Z]\w*)"
               r"`?\s+is\s+" + NUM),
    re.compile(r"offsetof\(\s*(?P<struct>\w+)\s*,\s*(?P<field>\w+)\s*\)\s*(?:is|==|=)\s*" + NUM),
]
_SIZE = [
    re.compile(r"sizeof\(\s*(?P<name>\w+)\s*\)\s*(?:is|==|=)\s*`?" + NUM),
    re.compile(r"`?\b(?P<name>[A-Z]\w+)`?(?:'s|\s+has\s+an?|\s+has)?\s+(?:instance\s+)?size\s+"
               r"(?:is\s+|of\s+)?`?" + NUM),
    re.compile(r"(?:instance\s+)?size\s+of\s+`?(?P<name>[A-Z]\w+)`?\s+is\s+`?" + NUM),
    re.compile(r"`?\b(?P<name>[A-Z]\w+)`?\s+is\s+" + NUM + r"\s+bytes"),
]
_MENTION = re.compile(r"\b(?:ACTOR|OBJECT|SCENE|NA_BGM|NA_SE|EFFECT_SS)_[A-Z0-9_]*[A-Z0-9]\b")
_MENTION_CODES = {"Actor": "unknown-actor", "Object": "unknown-object", "Scene": "unknown-scene",
                  "Sequence": "unknown-sequence", "Sfx": "unknown-sfx", "EffectSs": "unknown-effect",
                  "Entrance": "unknown-entrance", "GameState": "unknown-gamestate"}
_BARE_INSTANCE = re.compile(r"instance\s+size\s+(?:is\s+|of\s+)?`?" + NUM)

_VERSION_WORDS = [
    (r"ntsc[- ]?(?:u[- ]?)?(?:v|ver(?:sion)?\s*)?1\.0|n64\s+1\.0|1\.0\s+ntsc", "ntsc-1.0"),
    (r"ntsc[- ]?(?:u[- ]?)?(?:v|ver(?:sion)?\s*)?1\.1", "ntsc-1.1"),
    (r"ntsc[- ]?(?:u[- ]?)?(?:v|ver(?:sion)?\s*)?1\.2", "ntsc-1.2"),
    (r"pal[- ]?(?:v)?1\.0", "pal-1.0"), (r"pal[- ]?(?:v)?1\.1", "pal-1.1"),
    (r"(?:the\s+)?(?:master\s+quest\s+)?debug\s+rom|gc[- ]eu[- ]mq[- ]dbg", "gc-eu-mq-dbg"),
]


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_BLANKS = re.compile(r"\s{2,}")
_DIGIT = re.compile(r"\d")
_VERSION_WORD_RES = [(re.compile(pat), vid) for pat, vid in _VERSION_WORDS]


def sentences(text: str) -> list[tuple[str, int]]:
    """(sentence, line) pairs; code spans keep their contents, backticks removed later."""
    out = []
    for line, para in enumerate(text.split("\n"), 1):
        for s in _SENTENCE_END.split(para):
            out.append((s, line))
    return out


@lru_cache(maxsize=64)
def _version_patterns(known: tuple[str, ...]) -> list[tuple[re.Pattern[str], str]]:
    out = [(re.compile(rf"(?<![\w-]){re.escape(v)}(?![\w-])"), v)
           for v in sorted(known, key=len, reverse=True)]
    return out + [(pat, vid) for pat, vid in _VERSION_WORD_RES if vid in known]


def mentioned_version(sentence: str, known: list[str]) -> str | None:
    low = sentence.lower()
    for pat, v in _version_patterns(tuple(known)):
        if pat.search(low):
            return v
    return None


ClaimEmit = Callable[..., None]


class ClaimChecker:
    def __init__(self, idx: SymbolIndex, index_for: Callable[[str], SymbolIndex],
                 emit: ClaimEmit, counts: dict[str, int], actor: ActorInfo | None) -> None:
        self.idx = idx
        self.index_for = index_for
        self.emit = emit
        self.counts = counts
        self.actor = actor

    def check_text(self, text: str) -> None:
        self.mentions(text)
        for sent, line in sentences(text):
            if not _DIGIT.search(sent):
                continue
            s = _BLANKS.sub(" ", sent.replace("`", ""))  # one blank: no pattern backtracks over runs
            v = mentioned_version(s, self.idx.versions)
            idx = self.idx if v is None or v == self.idx.version else self._other(v)
            if idx is None:
                continue
            self._ids(s, idx, line)
            self._addresses(s, idx, line)
            self._offsets(s, idx, line)
            self._sizes(s, idx, line)

    def check_comments(self, code: str, scope: object = None) -> None:
        check_struct_comments(code, self.idx, self.emit, self.counts)
        for text, line in _comment_texts(code):
            for sent, _ in sentences(text):
                s = _BLANKS.sub(" ", sent.replace("`", ""))
                if _DIGIT.search(s):
                    self._ids(s, self.idx, line)
                    self._addresses(s, self.idx, line)

    def _other(self, version: str) -> SymbolIndex | None:
        try:
            return self.index_for(version)
        except Exception:  # noqa: BLE001 - an index that cannot load: no claim checked
            return None

    def mentions(self, text: str) -> None:
        """Table names (ACTOR_*, OBJECT_*, NA_SE_*...) in prose must exist in the version."""
        lines = None
        for m in _MENTION.finditer(text):
            name = m.group()
            for kind, pre in DOMAIN_KINDS.items():
                table = self.idx.domain.get(kind)
                if not name.startswith(pre) or not table:
                    continue
                if name in table or name in self.idx.constants or name in self.idx.defines:
                    break
                lines = lines or Lines(text)
                line = lines.at(m.start())
                others = self.idx.elsewhere(name)
                if others:
                    self.emit("not-in-version", 2, name, f"{name} does not exist in "
                              f"{self.idx.version}; it exists in {', '.join(others)}", line, [])
                else:
                    sugg = self.idx.names_of(kind).suggest(name)
                    hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
                    self.emit(_MENTION_CODES[kind], 2, name,
                              f"{name} does not exist in {self.idx.version}{hint}", line, sugg)
                break

    def _ids(self, s: str, idx: SymbolIndex, line: int) -> None:
        done: set[str] = set()
        for m in _NAME_ID.finditer(s):
            name, claimed = m.group("name"), int(m.group("num"), 0)
            done.add(name)
            actual = None
            for kind, pre in DOMAIN_KINDS.items():
                if name.startswith(pre) and name in idx.domain.get(kind, {}):
                    actual = idx.domain[kind][name]
            if actual is None:
                actual = idx.constants.get(name, idx.defines.get(name))
            if actual is None:
                continue
            self.counts["ids"] += 1
            if actual != claimed:
                code = "wrong-actor-id" if name.startswith("ACTOR_") else "wrong-id"
                self.emit(code, 2, name, f"{name} is {actual:#06x} in {idx.version}, "
                          f"not {claimed:#06x}", line, [])
        for m in _CONST_VAL.finditer(s):
            name = m.group("name")
            if name in done:
                continue
            actual = idx.constants.get(name, idx.defines.get(name))
            if actual is None:
                continue
            self.counts["ids"] += 1
            claimed = int(m.group("num"), 0)
            if actual != claimed:
                self.emit("wrong-value", 2, name,
                          f"{name} is {actual:#x} in {idx.version}, not {claimed:#x}", line, [])

    def _addresses(self, s: str, idx: SymbolIndex, line: int) -> None:
        if "0x8" not in s:  # both patterns claim an 0x8XXXXXXX address
            return
        for m in (*_ADDR.finditer(s), *_ADDR2.finditer(s)):
            name, claimed = m.group("name"), int(m.group("addr"), 16)
            known = idx.addresses.get(name)
            if not known:
                continue
            self.counts["addresses"] += 1
            if all(a != claimed for a, _ in known):
                a, src = known[0]
                self.emit("wrong-address", 2, name,
                          f"{name} is at {a:#010x} in {idx.version} (source: {src or 'graph'}), "
                          f"not {claimed:#010x}", line, [])

    def _offsets(self, s: str, idx: SymbolIndex, line: int) -> None:
        for pat in _OFFSET:
            for m in pat.finditer(s):
                struct, fld = m.group("struct"), m.group("field")
                claimed = int(m.group("num"), 0)
                real = idx.struct_of(struct)
                if real is None or real not in idx.fields:
                    continue
                info = idx.fields[real].get(fld)
                self.counts["fields"] += 1
                if info is None:
                    self.emit("unknown-field", 2, f"{real}.{fld}",
                              f"{real} has no field {fld} in {idx.version}", line, [])
                elif info.offset is not None and info.offset != claimed:
                    self.emit("wrong-offset", 2, f"{real}.{fld}",
                              f"{real}.{fld} is at offset {info.offset:#x} in {idx.version}, "
                              f"not {claimed:#x}", line, [])

    def _sizes(self, s: str, idx: SymbolIndex, line: int) -> None:
        if "size" not in s and "bytes" not in s:  # every size pattern names one of them
            return
        seen = False
        for pat in _SIZE:
            for m in pat.finditer(s):
                seen = True
                self._size(m.group("name"), int(m.group("num"), 0), idx, line)
        if not seen and self.actor is not None:
            for m in _BARE_INSTANCE.finditer(s):
                self._size(self.actor.enum, int(m.group("num"), 0), idx, line)

    def _size(self, name: str, claimed: int, idx: SymbolIndex, line: int) -> None:
        actual = None
        if name in idx.actors:
            actual = idx.actors[name].instance_size
        if actual is None:
            real = idx.struct_of(name)
            if real is not None:
                actual = idx.structs.get(real, (None, None))[0]
        if actual is None:
            return
        self.counts["ids"] += 1
        if actual != claimed:
            self.emit("wrong-size", 2, name,
                      f"{name} is {actual:#x} bytes in {idx.version}, not {claimed:#x}", line, [])


# (No two neighbouring quantifiers may match the same characters: over a long run of blanks
# they would backtrack quadratically. The member's declaration is bounded for the same reason.)
_STRUCT_DEF = re.compile(r"(?:typedef\s+)?struct\s+(?:(\w+)\s*)?\{(?P<body>[^{}]*)\}\s*(?:(\w+)\s*)?;"
                         r"(?P<tail>[^\n]*)", re.S)
_MEMBER_OFF = re.compile(r"/\*\s*(0x[0-9A-Fa-f]+)\s*\*/([^;/]{0,300});")
_MEMBER_NAME = re.compile(r"(\w+)\s*$")
_ARRAY_DIMS = re.compile(r"\[[^\]]*\]")
_SIZE_COMMENT = re.compile(r"size\s*=\s*(0x[0-9A-Fa-f]+)")


def check_struct_comments(code: str, idx: SymbolIndex, emit: ClaimEmit,
                          counts: dict[str, int]) -> None:
    """``/* 0x024 */ PosRot world;`` and ``} Actor; // size = 0x14C`` against the graph."""
    if "struct" not in code:
        return
    lines = Lines(code)
    for m in _STRUCT_DEF.finditer(code):
        name = m.group(3) or m.group(1)
        real = idx.struct_of(name) if name else None
        if not real or real not in idx.fields:
            continue
        for mm in _MEMBER_OFF.finditer(code, m.start("body"), m.end("body")):
            member = _MEMBER_NAME.search(_ARRAY_DIMS.sub("", mm.group(2)))
            info = idx.fields[real].get(member.group(1)) if member else None
            if info is None or info.offset is None:
                continue
            counts["fields"] += 1
            claimed = int(mm.group(1), 16)
            if claimed != info.offset:
                emit("wrong-offset", 2, f"{real}.{member.group(1)}",  # type: ignore[union-attr]
                     f"{real}.{member.group(1)} is at offset {info.offset:#x} in "  # type: ignore[union-attr]
                     f"{idx.version}, not {claimed:#x}", lines.at(mm.start()), [])
        sm = _SIZE_COMMENT.search(m.group("tail"))
        size = idx.structs.get(real, (None, None))[0]
        if sm and size is not None:
            counts["ids"] += 1
            if int(sm.group(1), 16) != size:
                emit("wrong-size", 2, real, f"{real} is {size:#x} bytes in {idx.version}, not "
                     f"{sm.group(1)}", lines.at(m.start("tail")), [])


_COMMENT = re.compile(r"/\*(.*?)(?:\*/|\Z)|//([^\n]*)", re.S)
_OFFSET_ONLY = re.compile(r"\s*0x[0-9A-Fa-f]+\s*")


def _comment_texts(code: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if "/" not in code:
        return out
    lines = Lines(code)
    for m in _COMMENT.finditer(code):
        text = m.group(1) if m.group(1) is not None else m.group(2)
        if _OFFSET_ONLY.fullmatch(text or ""):
            continue
        out.append((text, lines.at(m.start())))
    return out
