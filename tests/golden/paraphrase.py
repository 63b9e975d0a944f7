"""The paraphrase suite: true and false claims of every kind, in every phrasing of
``phrasings``, generated from a graph's own facts (the golden graph, or a real one), so
the suite is not tuned to hand-picked sentences.

For each kind, facts are sampled (seeded) from the version's index; each phrasing makes one
true and one false example per fact. Recall: false claims reported with the kind's code.
False alarms: true claims with any error.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tests.golden.phrasings import CODES, PHRASINGS
from validate.index import SymbolIndex
from validate.models import Example
from validate.relfacts import facts_for

VERSION_PHRASES = {
    "gc-eu-mq-dbg": "on the debug ROM",
    "ntsc-1.0": "on NTSC 1.0",
    "gc-us": "in gc-us",
    "ntsc-1.2": "on NTSC 1.2",
    "pal-1.0": "on PAL 1.0",
}


@dataclass
class Case:
    kind: str
    code: str
    phrasing: int
    true: bool
    example: Example
    text: str


def _hex(v: int) -> str:
    return f"0x{v:X}" if v >= 0 else f"-0x{-v:X}"


def _wrong(v: int, rng: random.Random, avoid: set[int] | None = None) -> int:
    """A value that differs from ``v``, also when read in the other base."""
    avoid = avoid or set()
    for _ in range(100):
        w = v + rng.choice([-3, -2, -1, 1, 2, 3, 4, 8, 0x10])
        if w >= 0 and w != v and w not in avoid and int(str(w), 16) != v:
            return w
    return v + 0x101


def _pick(seq: list, n: int, rng: random.Random) -> list:
    seq = sorted(seq)
    return rng.sample(seq, min(n, len(seq)))


def _field_ok(name: str) -> bool:
    return bool(name) and name[0].islower() and " " not in name and "(" not in name


def facts(idx: SymbolIndex, other: SymbolIndex | None, n: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Facts per kind: each a dict of placeholder values (true) and the wrong values."""
    from validate.claims.layout import bitfield_like, has_anonymous

    rf = facts_for(idx)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids = [(a.enum, a.id) for a in idx.actors.values() if a.id is not None]
    for e, v in _pick(ids, n, rng):
        out["actor-id"].append({"E": e, "v": v, "w": _wrong(v, rng)})
    for kind in ("Object", "Scene", "Sfx", "Sequence"):
        table = [(k, v) for k, v in idx.domain.get(kind, {}).items() if v is not None]
        for e, v in _pick(table, max(1, n // 2), rng):
            out["table-id"].append({"E": e, "v": v, "w": _wrong(v, rng)})
    fields = []
    for s, fs in idx.fields.items():
        if has_anonymous(fs) or s in idx.unions or not idx.structs.get(s, (None,))[0]:
            continue
        for f, info in fs.items():
            if _field_ok(f) and info.offset is not None and not bitfield_like(info):
                fields.append((s, f, info.offset))
    for s, f, v in _pick(fields, n, rng):
        offs = {i.offset for i in idx.fields[s].values()}
        out["offset"].append({"S": s, "F": f, "v": v, "w": _wrong(v, rng, offs)})
    sizes = [(s, sz) for s, (sz, _) in idx.structs.items() if sz and s[:1].isupper()]
    for s, v in _pick(sizes, n, rng):
        out["struct-size"].append({"S": s, "v": v, "w": _wrong(v, rng)})
    inst = [(a.enum, a.instance_size) for a in idx.actors.values() if a.instance_size]
    for e, v in _pick(inst, n, rng):
        out["instance-size"].append({"E": e, "v": v, "w": _wrong(v, rng)})
    addrs = [
        (k, v[0][0])
        for k, v in idx.addresses.items()
        if len({a for a, _ in v}) == 1 and (k in idx.functions or k in idx.globals)
    ]
    for e, v in _pick(addrs, n, rng):
        out["address"].append({"E": e, "v": v, "w": v + rng.choice([4, 8, 0x10, 0x20, 0x100])})
    tables = {n for d in idx.domain.values() for n in d}
    consts = [(k, v) for k, v in idx.constants.items() if isinstance(v, int) and 1 < v < 1 << 20 and k not in tables]
    for e, v in _pick(consts, n, rng):
        out["constant"].append({"E": e, "v": v, "w": _wrong(v, rng)})
    actor_files = {a.file for a in idx.actors.values() if a.file}
    calls = [
        (x, y)
        for x, ys in rf.calls.items()
        if rf.file_of.get(x) in actor_files
        for y in ys
        if y != x and y in idx.functions
    ]
    for x, y in _pick(calls, n, rng):
        home = rf.file_of[x]
        callees_of_file = set().union(*(rf.calls.get(f, set()) for f in rf.in_file.get(home, ())))
        wrong = [
            f
            for f in sorted(idx.functions)
            if f not in callees_of_file and rf.file_of.get(f, "").startswith("src/code/")
        ]
        if wrong:
            out["calls"].append({"X": x, "Y": y, "w": rng.choice(wrong)})
    slots = [
        (a.enum, r, f) for a in idx.actors.values() for r, f in a.profile.items() if len(set(a.profile.values())) >= 2
    ]
    for e, r, f in _pick(slots, n, rng):
        others = sorted(g for g in idx.actors[e].profile.values() if g != f)
        out["profile-slot"].append({"E": e, "R": r, "F": f, "w": rng.choice(others)})
    heads = sorted({h for hs in rf.declared.values() for h in hs if h.startswith("include/")})
    decl = [
        (f, hs[0])
        for f, hs in rf.declared.items()
        if f in idx.functions and len(hs) == 1 and hs[0].startswith("include/")
    ]
    for f, h in _pick(decl, n, rng):
        wrong = [x for x in heads if x != h]
        if wrong:
            short = h.split("/", 1)[1] if rng.random() < 0.5 else h
            out["declared-in"].append({"F": f, "H": short, "w": rng.choice(wrong)})
    defs = [(f, p) for f, p in rf.file_of.items() if f in idx.functions and p.endswith(".c")]
    files = sorted({p for _, p in defs})
    for f, p in _pick(defs, n, rng):
        short = p.rsplit("/", 1)[1] if rng.random() < 0.5 else p
        wrong = [x.rsplit("/", 1)[1] for x in files if x.rsplit("/", 1)[1] != p.rsplit("/", 1)[1]]
        out["defined-in"].append({"F": f, "C": short, "w": rng.choice(wrong)})
    if other is not None:  # other: a retail version's index
        debug_only = [f for f in idx.functions if f not in other.functions and not f.startswith("_")]
        everywhere = [
            f for f in idx.functions if f in other.functions and rf.file_of.get(f, "").startswith("src/code/")
        ]
        for f in _pick(debug_only, n, rng):
            out["version-debug-only"].append({"E": f, "w": rng.choice(sorted(everywhere))})
        for f in _pick(everywhere, n, rng):
            out["version-everywhere"].append({"E": f, "w": rng.choice(sorted(debug_only))})
    objs = sorted(idx.domain.get("Object", {}))
    deps = [(a.enum, a.object) for a in idx.actors.values() if a.object and a.objects]
    for e, o in _pick(deps, n, rng):
        have = idx.actors[e].objects | {o}
        out["object-dep"].append({"E": e, "O": o, "w": rng.choice([x for x in objs if x not in have])})
    arity = [
        (f, len([p for p in i.params if p[1].strip() != "void"]))
        for f, i in idx.functions.items()
        if i.params is not None and not i.variadic
    ]
    for f, v in _pick(arity, n, rng):
        out["arity"].append({"F": f, "v": v, "w": v + rng.choice([1, 2]) if v < 2 else v + rng.choice([-1, 1, 2])})
    return out


def _fill(template: str, fact: dict[str, Any], value: Any, kind: str, version: str, retail: str | None) -> str:
    subs = {k: str(v) for k, v in fact.items() if k not in ("v", "w")}
    ver = VERSION_PHRASES.get(version, f"in {version}")
    subs.update(VER=ver, VERC=ver[0].upper() + ver[1:], RV=VERSION_PHRASES.get(retail or "", f"{retail}") or "")
    if kind in ("calls",):
        subs["Y"] = value
    elif kind == "profile-slot":
        subs["F"] = value
    elif kind == "declared-in":
        subs["H"] = value
    elif kind == "defined-in":
        subs["C"] = value
    elif kind == "object-dep":
        subs["O"] = value
    elif kind.startswith("version-"):
        subs["E"] = value
    elif kind == "arity":
        subs["N"] = str(value)
    else:
        subs["V"] = _hex(value)
        subs["D"] = str(value)
    return template.format(**subs)


def build(idx: SymbolIndex, other: SymbolIndex | None = None, n: int = 3, seed: int = 13) -> list[Case]:
    rng = random.Random(seed)
    out: list[Case] = []
    retail = other.version if other is not None else None
    for kind, fs in facts(idx, other, n, rng).items():
        for fact in fs:
            right = fact.get("v", fact.get(_ROLE_KEY.get(kind, ""), None))
            for pi, (tpl, neg) in enumerate(PHRASINGS[kind]):
                for truth in (True, False):
                    value = right if truth != neg else fact["w"]
                    text = _fill(tpl, fact, value, kind, idx.version, retail)
                    ex = Example(
                        id=f"{kind}/{pi}/{truth}/{len(out)}",
                        messages=[{"role": "user", "content": "Tell me."}, {"role": "assistant", "content": text}],
                        metadata={"version": idx.version},
                    )
                    out.append(Case(kind, CODES[kind], pi, truth, ex, text))
    return out


_ROLE_KEY = {
    "calls": "Y",
    "profile-slot": "F",
    "declared-in": "H",
    "defined-in": "C",
    "object-dep": "O",
    "version-debug-only": "E",
    "version-everywhere": "E",
}


def score(validator: Any, cases: list[Case]) -> dict[str, Any]:
    """Per kind: recall on false claims, false alarms on true ones (any error)."""
    reports = validator.validate_many([c.example for c in cases])
    per: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"false": 0, "caught": 0, "true": 0, "alarms": 0, "misses": [], "alarm_texts": []}
    )
    for c, r in zip(cases, reports, strict=True):
        d = per[c.kind]
        errors = [i for i in r.issues if i.severity.value == "error"]
        if c.true:
            d["true"] += 1
            if errors:
                d["alarms"] += 1
                d["alarm_texts"].append((c.text, [f"{i.code}: {i.message}" for i in errors]))
        else:
            d["false"] += 1
            if any(i.code == c.code for i in errors):
                d["caught"] += 1
            else:
                d["misses"].append((c.text, [i.code for i in errors]))
    return dict(per)
