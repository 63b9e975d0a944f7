"""Which game versions a piece of text names ("on NTSC 1.0", "the debug ROM", "retail").

The decomp builds 16 versions (include/versions.h, in build order); a graph holds those
that were ingested. A phrase maps to the set of versions it means; a claim is checked
against the graph's versions of that set, and stays unchecked when the graph has none
of them (a claim about PAL 1.1 is never checked against NTSC 1.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# (id, build order, debug) as include/versions.h of the decomp lists them
DECOMP_VERSIONS: list[tuple[str, int, bool]] = [
    ("ntsc-1.0", 1, False),
    ("ntsc-1.1", 2, False),
    ("pal-1.0", 3, False),
    ("ntsc-1.2", 4, False),
    ("pal-1.1", 5, False),
    ("gc-jp", 6, False),
    ("gc-jp-mq", 7, False),
    ("gc-us", 8, False),
    ("gc-us-mq", 9, False),
    ("gc-eu-dbg-2", 10, True),
    ("gc-eu-mq-dbg", 11, True),
    ("gc-eu-dbg", 12, True),
    ("gc-eu", 13, False),
    ("gc-eu-mq", 14, False),
    ("gc-jp-ce", 15, False),
    ("ique-cn", 16, False),
]
ORDER = {v: o for v, o, _ in DECOMP_VERSIONS}
ALL = frozenset(ORDER)
DEBUG = frozenset(v for v, _, d in DECOMP_VERSIONS if d)
RETAIL = ALL - DEBUG
N64 = frozenset({"ntsc-1.0", "ntsc-1.1", "ntsc-1.2", "pal-1.0", "pal-1.1"})
GC = frozenset(v for v in ALL if v.startswith("gc-"))
MQ = frozenset(v for v in ALL if "-mq" in v)
PAL = frozenset({"pal-1.0", "pal-1.1"} | {v for v in GC if v.startswith("gc-eu")})
NTSC = ALL - PAL - {"ique-cn"}

_N = r"(?:ntsc|n64|us|usa|jp|jpn|japan|ntsc[- ]?[uj])"
# Most specific first; every pattern is a plain sequence or a small alternation (linear time).
_PHRASES: list[tuple[str, frozenset[str]]] = [
    (r"gc[-_ ]eu[-_ ]mq[-_ ]dbg|gc[-_ ]eu[-_ ]mq[-_ ]debug", frozenset({"gc-eu-mq-dbg"})),
    (r"gc[-_ ]eu[-_ ]dbg[-_ ]2", frozenset({"gc-eu-dbg-2"})),
    (r"gc[-_ ]eu[-_ ]dbg", frozenset({"gc-eu-dbg"})),
    (r"gc[-_ ]eu[-_ ]mq", frozenset({"gc-eu-mq"})),
    (r"gc[-_ ]us[-_ ]mq", frozenset({"gc-us-mq"})),
    (r"gc[-_ ]jp[-_ ]mq", frozenset({"gc-jp-mq"})),
    (r"gc[-_ ]jp[-_ ]ce", frozenset({"gc-jp-ce"})),
    (r"gc[-_ ]eu", frozenset({"gc-eu"})),
    (r"gc[-_ ]us", frozenset({"gc-us"})),
    (r"gc[-_ ]jp", frozenset({"gc-jp"})),
    (r"ique(?:[-_ ]cn)?|chinese ique", frozenset({"ique-cn"})),
    (r"pal[-_ ]?(?:v|ver\.? ?|version )?1\.0", frozenset({"pal-1.0"})),
    (r"pal[-_ ]?(?:v|ver\.? ?|version )?1\.1", frozenset({"pal-1.1"})),
    (
        _N + r"[-_ ]?(?:v|ver\.? ?|version |rev\.? ?)?1\.0|1\.0 \(?ntsc|(?:v|version |rev\.? ?)1\.0",
        frozenset({"ntsc-1.0"}),
    ),
    (
        _N + r"[-_ ]?(?:v|ver\.? ?|version |rev\.? ?)?1\.1|1\.1 \(?ntsc|(?:v|version |rev\.? ?)1\.1",
        frozenset({"ntsc-1.1"}),
    ),
    (
        _N + r"[-_ ]?(?:v|ver\.? ?|version |rev\.? ?)?1\.2|1\.2 \(?ntsc|(?:v|version |rev\.? ?)1\.2",
        frozenset({"ntsc-1.2"}),
    ),
    (
        r"(?:master quest |mq |the )?debug (?:rom|build|version|cart|edition)s?|mq[- ]debug|"
        r"master quest debug|debug[- ]only|dbg rom|(?:on|in) (?:the )?debug\b(?![- ](?:feature|"
        r"print|mode|menu|camera|output|message|text|screen|info|display|code|flag|log|string))",
        frozenset({"gc-eu-mq-dbg"}),
    ),
    (r"retail(?: builds?| versions?| roms?| games?)?|non[- ]debug(?: builds?| versions?)?", RETAIL),
    (r"gamecube(?: versions?| builds?| roms?)?|gcn|\bgc\b(?: versions?)?", GC),
    (r"n64(?: versions?| builds?| roms?| cart(?:ridge)?s?)?|nintendo 64", N64),
    (r"master quest(?: versions?)?", MQ),
    (r"\bpal\b(?: versions?| builds?)?", PAL),
    (r"\bntsc\b(?: versions?| builds?)?", NTSC),
]
_ALL_WORDS = re.compile(
    r"\b(?:all|every|each)(?: (?:the|of the|game|supported|ingested))? "
    r"versions?\b|\bin every (?:build|rom)\b"
)


@dataclass(frozen=True, slots=True)
class VersionMention:
    start: int
    end: int
    versions: frozenset[str]  # decomp ids the phrase means (ALL for "every version")


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], list[frozenset[str]]]:
    groups = "|".join(f"(?P<v{i}>{pat})" for i, (pat, _) in enumerate(_PHRASES))
    return re.compile(rf"(?<![\w.-])(?:{groups})(?![\w-])"), [s for _, s in _PHRASES]


def find_versions(text: str) -> list[VersionMention]:
    """Version phrases in ``text`` (any case), left to right, not overlapping."""
    low = text.lower()
    if not any(
        k in low
        for k in (
            "1.",
            "gc",
            "pal",
            "ntsc",
            "debug",
            "retail",
            "n64",
            "ique",
            "master",
            "mq",
            "version",
            "dbg",
            "nintendo",
            "every",
            "all",
            "cube",
            "gcn",
        )
    ):
        return []
    pat, sets = _compiled()
    out = []
    for m in pat.finditer(low):
        i = int(m.lastgroup[1:]) if m.lastgroup else -1
        if i >= 0:
            out.append(VersionMention(m.start(), m.end(), sets[i]))
    for m in _ALL_WORDS.finditer(low):
        if not any(v.start <= m.start() < v.end for v in out):
            out.append(VersionMention(m.start(), m.end(), ALL))
    out.sort(key=lambda v: v.start)
    return out
