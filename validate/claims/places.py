"""Claims about where things are and in which versions: declared-in (a header), defined-in
(a source file or overlay), version existence ("added in gc-us", "only on the debug ROM",
"exists in 3 versions"), and object dependencies ("ACTOR_EN_HORSE loads OBJECT_HORSE",
"gEponaSkel is in OBJECT_HORSE").

Versions: the graph holds the versions that were ingested, of the 16 the decomp builds; a
claim is wrong only when the versions the graph has contradict it (an "added in gc-us"
stays unchecked when the graph has neither gc-us nor an earlier version with the name).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING

from validate import rules
from validate.claims.mentions import Tok
from validate.claims.versions import ALL, ORDER
from validate.claims.words import NEGATION
from validate.relfacts import facts_for

if TYPE_CHECKING:
    from validate.claims.checker import ClaimChecker

DECL = {
    "declared",
    "declare",
    "declares",
    "declaration",
    "declarations",
    "prototype",
    "prototyped",
    "prototypes",
    "header",
    "headers",
    "include",
    "included",
    "includes",
    "exported",
    "exposed",
    "extern",
}
DEFN = {
    "defined",
    "define",
    "defines",
    "definition",
    "implemented",
    "implements",
    "implementation",
    "body",
    "lives",
    "live",
    "located",
    "found",
    "resides",
    "sits",
    "written",
    "source",
    "part",
    "belongs",
    "comes",
    "linked",
    "compiled",
    "file",
}
ADDED = {"added", "introduced", "new", "debuted", "appeared", "first"}
REMOVED = {"removed", "dropped", "deleted", "gone", "cut"}
ABSENT = {"missing", "absent", "lacks", "lack", "lacking", "lacked"}
ONLY = {"only", "exclusive", "exclusively", "solely", "specific"}
EXISTS = {
    "exists",
    "exist",
    "existed",
    "present",
    "available",
    "there",
    "appears",
    "found",
    "compiled",
    "built",
    "included",
    "defined",
    "is",
    "are",
}
VERSION_WORDS = {"versions", "builds", "roms", "version", "build", "rom", "releases"}
USES = {
    "uses",
    "use",
    "using",
    "loads",
    "load",
    "loaded",
    "needs",
    "need",
    "requires",
    "require",
    "required",
    "depends",
    "dependency",
    "dependencies",
    "draws",
    "requests",
    "request",
    "requested",
    "relies",
    "object",
    "objects",
}
PROFILE_OBJ = {"profile", "main", "primary", "own"}
IN_OBJ = {"in", "from", "belongs", "part", "lives", "comes", "inside", "of", "defined"}
INSTRUCTION = {
    "you",
    "your",
    "should",
    "must",
    "can",
    "could",
    "would",
    "might",
    "if",
    "want",
    "e.g",
    "example",
    "like",
    "let",
    "we",
}


def place_claims(chk: ClaimChecker, toks: list[Tok], line: int, funcs: list[int], table: bool = False) -> None:
    words = {t.low for t in toks if t.kind == "word"}
    if funcs or any(t.ek == "global" for t in toks):
        if words & DECL or words & DEFN:
            _declared_defined(chk, toks, line)
    if any(t.kind == "ver" for t in toks) or words & VERSION_WORDS:
        if words & (ADDED | REMOVED | ABSENT | ONLY | EXISTS) or any(
            t.kind == "ver" and (t.vers == ALL or "only" in t.low) for t in toks
        ):
            _versions(chk, toks, line, table)
    if words & (USES | PROFILE_OBJ | IN_OBJ) and any(t.ek == "table" and t.sub == "Object" for t in toks):
        _objects(chk, toks, line, words)


# -- declared in / defined in ------------------------------------------------------------------


def _declared_defined(chk: ClaimChecker, toks: list[Tok], line: int) -> None:
    places = [j for j, t in enumerate(toks) if t.ek in ("file", "segment")]
    if not places:
        return
    things = [j for j, t in enumerate(toks) if t.ek in ("func", "global")]
    for p in places:
        near = sorted(things, key=lambda j: abs(j - p))
        if not near:
            return
        j = near[0]
        lo, hi = sorted((j, p))
        between = toks[lo + 1 : hi]
        if any(k in things for k in range(lo + 1, hi)) or any(t.low in INSTRUCTION for t in toks[max(0, lo - 2) : hi]):
            continue
        cues = {t.low for t in toks}
        neg = any(t.low in NEGATION for t in between)
        name, place = toks[j].name, toks[p]
        if place.ek == "file" and place.text.endswith(".h") and (cues & DECL or cues & DEFN):
            _check_header(
                chk,
                name,
                place.text,
                neg,
                line,
                defined=bool(cues & {"defined", "definition", "implemented", "implementation", "body"}),
            )
        elif place.ek == "file" and place.text.endswith(".c") and (cues & DEFN or cues & DECL):
            _check_source(chk, name, place.text, neg, line)
        elif place.ek == "segment" and cues & DEFN:
            _check_segment(chk, name, place.name, neg, line)


def _check_header(chk: ClaimChecker, name: str, header: str, neg: bool, line: int, defined: bool) -> None:
    rf = facts_for(chk.idx)
    heads = rf.declared.get(name, [])
    actual = rf.file_of.get(name)
    if not heads and not actual:
        chk.unchecked()
        return
    if not heads and not rf.files.get(posixpath.basename(header)):
        chk.unchecked()  # a header the graph does not know: nothing to say
        return
    chk.counts["relations"] += 1
    ok = any(rf.match_file(header, h) for h in heads) or (
        defined and actual is not None and rf.match_file(header, actual)
    )
    if ok != neg:
        return
    if neg:
        chk.emit(
            rules.WRONG_DECLARED_IN,
            name,
            f"{name} is declared in {header} in {chk.idx.version} (the text says it is not)",
            line,
            [],
        )
    elif heads:
        chk.emit(
            rules.WRONG_DECLARED_IN,
            name,
            f"{name} is declared in {', '.join(heads)} in {chk.idx.version}, not {header}",
            line,
            heads[:3],
        )
    else:
        chk.emit(
            rules.WRONG_DECLARED_IN,
            name,
            f"no header declares {name} in {chk.idx.version}; it is defined in {actual}",
            line,
            [],
        )


def _check_source(chk: ClaimChecker, name: str, source: str, neg: bool, line: int) -> None:
    rf = facts_for(chk.idx)
    actual = rf.file_of.get(name)
    if actual is None:
        chk.unchecked()
        return
    chk.counts["relations"] += 1
    ok = rf.match_file(source, actual)
    if ok == neg:
        chk.emit(
            rules.WRONG_DEFINED_IN,
            name,
            f"{name} is defined in {actual} in "
            f"{chk.idx.version}" + (" (the text says it is not)" if neg else f", not {source}"),
            line,
            [] if neg else [actual],
        )


def _check_segment(chk: ClaimChecker, name: str, seg: str, neg: bool, line: int) -> None:
    rf = facts_for(chk.idx)
    actual = rf.file_of.get(name)
    where = rf.segment_of.get(actual or "")
    if where is None:
        chk.unchecked()
        return
    chk.counts["relations"] += 1
    claimed = seg if seg in rf.segments or seg.startswith("ovl_") else f"ovl_{seg}"
    ok = where.lower() == claimed.lower()
    if ok == neg:
        chk.emit(
            rules.WRONG_DEFINED_IN,
            name,
            f"{name} is in {where} ({actual}) in "
            f"{chk.idx.version}" + (" (the text says it is not)" if neg else f", not {seg}"),
            line,
            [] if neg else [where],
        )


# -- versions ------------------------------------------------------------------------------------


def _subject(toks: list[Tok], k: int, table: bool) -> int | None:
    """The entity a version claim at ``k`` is about: the nearest name before it (else after)."""
    for j in range(k - 1, -1, -1):
        t = toks[j]
        if (
            t.kind == "ent"
            and t.ek in ("func", "struct", "global", "const", "table")
            or (
                t.kind == "word"
                and "_" in t.text
                and not t.text.startswith("_")
                and t.text[0].isalpha()
                and any(c.isupper() for c in t.text)
            )
        ):
            return j
        if t.text == ";" or (t.text == "|" and not table):
            break
    return None


def _present(chk: ClaimChecker, name: str) -> set[str]:
    idx = chk.idx
    here = (
        name in idx.functions
        or name in idx.structs
        or name in idx.typedefs
        or name in idx.globals
        or name in idx.statics
        or name in idx.constants
        or name in idx.defines
        or any(name in d for d in idx.domain.values())
    )
    return set(idx.elsewhere(name)) | ({idx.version} if here else set())


def _versions(chk: ClaimChecker, toks: list[Tok], line: int, table: bool) -> None:
    graph = chk.idx.versions
    for k, t in enumerate(toks):
        kind, vers = _version_kind(toks, k, t)
        if kind is None:
            continue
        s = _subject(toks, k, table)
        if s is None:
            continue
        between = toks[s + 1 : k]
        if any(x.low in ("if", "would", "could", "might", "should", "you", "e.g") for x in toks[:k]) or any(
            x.kind == "num" and kind != "count" for x in between
        ):
            continue
        neg = any(x.low in NEGATION for x in between) and kind != "absent"
        if neg and kind == "exists":
            kind, neg = "absent", False
        elif neg:
            continue  # "not only", "not added in": too loose to check
        name = toks[s].name if toks[s].kind == "ent" else toks[s].text
        _check_versions(chk, name, kind, vers, t.value if kind == "count" else None, graph, line)


def _version_kind(toks: list[Tok], k: int, t: Tok) -> tuple[str | None, frozenset[str] | None]:
    """What a version phrase (or a count of versions) at ``k`` claims, from the words before
    it: (only | added | absent | all | exists | count, its versions), or (None, None)."""
    if t.kind == "ver":
        prev = [x.low for x in toks[max(0, k - 4) : k] if x.kind == "word"]
        vers = t.vers or frozenset()
        nxt = toks[k + 1].low if k + 1 < len(toks) else ""
        if "only" in t.low or any(w in ONLY for w in prev[-3:]) or nxt == "only":
            return "only", vers
        if any(w in ADDED for w in prev):
            return "added", vers
        if any(w in REMOVED | ABSENT for w in prev):
            return "absent", vers
        if vers == ALL and any(w in EXISTS | {"in", "on", "across"} for w in prev):
            return "all", vers
        if any(w in EXISTS for w in prev) and any(w in ("in", "on") for w in prev[-2:]):
            return "exists", vers
        return None, vers
    if (
        t.kind == "num"
        and t.value is not None
        and k + 1 < len(toks)
        and (
            toks[k + 1].low in VERSION_WORDS
            or (toks[k + 1].low == "of" and any(x.low in VERSION_WORDS for x in toks[k + 2 : k + 6]))
        )
        and any(x.low in EXISTS | {"in", "across"} for x in toks[max(0, k - 3) : k])
    ):
        return "count", None
    return None, None


def _order(v: str) -> int:
    return ORDER.get(v, 99)


def _not_in_held(present: set[str], held: list[str]) -> str | None:
    if held and not any(v in present for v in held):
        return f"it does not exist in {', '.join(held)}"
    return None


def _why_only(present: set[str], vers: frozenset[str], held: list[str], **_: object) -> str | None:
    outside = sorted(present - vers, key=_order)
    if outside:
        return f"it also exists in {', '.join(outside)}"
    return _not_in_held(present, held)


def _why_added(present: set[str], vers: frozenset[str], held: list[str], **_: object) -> str | None:
    first = min(vers, key=_order)
    earlier = sorted((v for v in present if _order(v) < _order(first)), key=_order)
    if earlier:
        return f"it already exists in {', '.join(earlier)}"
    return _not_in_held(present, held)


def _why_absent(present: set[str], held: list[str], **_: object) -> str | None:
    there = [v for v in held if v in present]
    return f"it exists in {', '.join(there)}" if there else None


def _why_exists(present: set[str], held: list[str], **_: object) -> str | None:
    return _not_in_held(present, held)


def _why_all(absent: list[str], **_: object) -> str | None:
    return f"it does not exist in {', '.join(absent)}" if absent else None


def _why_count(present: set[str], absent: list[str], count: int, graph: list[str], **_: object) -> str | None:
    hi = len(ORDER) - len(absent)
    if count > len(ORDER):
        return f"the decomp builds {len(ORDER)} versions"
    if count < len(present) or count > hi:
        return f"it exists in {len(present)} of the {len(graph)} versions the graph holds" + (
            f" and is absent from {', '.join(absent)}" if absent else ""
        )
    return None


# a version claim's kind -> why the graph contradicts it (None: it does not), and whether the
# claim needs the versions it names (else its count) to be judged at all
_WHY: dict[str, tuple[Callable[..., str | None], str]] = {
    "only": (_why_only, "vers"),
    "added": (_why_added, "vers"),
    "absent": (_why_absent, "vers"),
    "exists": (_why_exists, "vers"),
    "all": (_why_all, ""),
    "count": (_why_count, "count"),
}


def _check_versions(
    chk: ClaimChecker, name: str, kind: str, vers: frozenset[str] | None, count: int | None, graph: list[str], line: int
) -> None:
    present = _present(chk, name)
    if not present:
        return  # no such name anywhere: the mention checks say so
    absent = [v for v in graph if v not in present]
    held = [v for v in graph if vers and v in vers]
    why_of, needs = _WHY[kind]
    why = None
    if (needs != "vers" or vers) and (needs != "count" or count is not None):
        why = why_of(present=present, vers=vers, held=held, absent=absent, count=count, graph=graph)
    if not held and kind in ("absent", "exists") or (kind in ("only", "added") and not held and why is None):
        chk.unchecked()
        return
    chk.counts["relations"] += 1
    if why:
        seen = ", ".join(sorted(present, key=_order))
        chk.emit(rules.WRONG_VERSION_CLAIM, name, f"{name}: {why} (the graph has it in {seen})", line, [])


# -- objects -------------------------------------------------------------------------------------


def _objects(chk: ClaimChecker, toks: list[Tok], line: int, words: set[str]) -> None:
    if words & INSTRUCTION:
        return
    objs = [j for j, t in enumerate(toks) if t.ek == "table" and t.sub == "Object"]
    for o in objs:
        cands = [
            j
            for j, t in enumerate(toks)
            if j != o
            and ((t.ek == "table" and t.sub == "Actor") or (t.ek in ("struct", "segment") and t.sub) or t.ek == "asset")
        ]
        if not cands:
            return
        j = min(cands, key=lambda j: abs(j - o))
        lo, hi = sorted((j, o))
        between = toks[lo + 1 : hi]
        if any(x.ek == "table" for x in between) or len(between) > 8:
            continue
        if toks[j].ek == "asset":
            _asset_object(chk, toks[j].name, toks[o].name, between, line)
        else:
            _actor_object(chk, toks, j, o, line)


def _asset_object(chk: ClaimChecker, asset: str, obj: str, between: list[Tok], line: int) -> None:
    """ "gEponaSkel is in OBJECT_HORSE"."""
    bw = {x.low for x in between}
    if not bw & IN_OBJ:
        return
    actual = chk.idx.assets.get(asset)
    if actual is None:
        return
    neg = bool(bw & NEGATION)
    chk.counts["relations"] += 1
    if (actual == obj) == neg:
        chk.emit(
            rules.WRONG_OBJECT_DEPENDENCY,
            asset,
            f"{asset} is in {actual}" + (" (the text says it is not)" if neg else f", not {obj}"),
            line,
            [] if neg else [actual],
        )


def _actor_object(chk: ClaimChecker, toks: list[Tok], j: int, o: int, line: int) -> None:
    """ "ACTOR_EN_HORSE loads OBJECT_HORSE", "EnHorse's profile object is OBJECT_HORSE"."""
    lo, hi = sorted((j, o))
    between = toks[lo + 1 : hi]
    bw = {x.low for x in between}
    if not bw & USES and not bw & PROFILE_OBJ and "'" not in {x.text for x in between}:
        return
    enum = toks[j].name if toks[j].ek == "table" else toks[j].sub
    actor = chk.idx.actors.get(enum)
    if actor is None:
        return
    obj = toks[o].name
    neg = bool(bw & NEGATION)
    have = actor.objects | ({actor.object} if actor.object else set())
    profile = bool(bw & PROFILE_OBJ) or (not bw & USES and "object" in {x.low for x in toks[max(0, lo - 1) : hi]})
    ok = obj == actor.object if profile else obj in have
    if not have:
        chk.unchecked()
        return
    chk.counts["relations"] += 1
    if ok == neg:
        shown = actor.object if profile else ", ".join(sorted(have))
        chk.emit(
            rules.WRONG_OBJECT_DEPENDENCY,
            enum,
            f"{enum}"
            + (
                f" uses {obj} (the text says it does not)"
                if neg
                else (f"'s profile object is {shown}, not {obj}" if profile else f" uses {shown}, not {obj}")
            ),
            line,
            [] if neg else [actor.object or shown],
        )
