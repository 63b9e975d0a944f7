"""The pattern database: idioms mined from what the actors do (``ingest.patterns.features``).

Mining, not listing: every item at least ``min_support`` actors have is an *anchor*. Its
pattern is the anchor plus, strongest first, the items that go with it both ways (the mean of
``P(item | anchor)`` and ``P(anchor | item)`` at least ``min_association``, neither below
``min_confidence``, and more often than chance: lift >= ``min_lift``), as long as
``retention`` of the anchor's actors still have every step. Steps are ordered by role (data,
init, update, action, draw, destroy) and by where they sit in the code. A pattern's
*support* is the actors with every step; its *counter-examples* are the actors with at least
half of the steps (two at least) but not all (an init without the matching destroy). A
pattern needs two distinct functions or types; one that shares half its steps with a
better-supported one is left out. ``patterns.yaml`` may give a mined pattern a name and a description (matched by the
steps it must have); it adds nothing the miner did not find.

Facts: ``Pattern`` nodes (steps, support, actors, counter-examples, support per version,
ranked verbatim excerpts), ``STEP`` edges to the functions and types of the steps,
``FOLLOWS`` edges from actors (complete or not) and from the functions where a complete
actor's steps sit. ``patterns_source`` is the pipeline source; ``delta_facts`` what a C delta
changes, from the items it recomputes for the actors of the edited files.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from statistics import mean
from typing import Any

import yaml

from ingest.patterns.features import (
    ROLE_ORDER,
    ActorItems,
    Item,
    Occurrence,
    actor_items,
    actor_scope,
    describe_item,
    in_scope,
    item_key,
    parse_item,
)
from kg.facts import Facts
from kg.persist import dump_pickle, load_pickle

log = logging.getLogger(__name__)

STATE_FILE = "patterns_state.pkl"
_STATE_FORMAT = "patterns-1"


@dataclass(frozen=True)
class MineConfig:
    # actors with every step; None: 1 in 40 of the actors, between 2 and 10 (10 on the decomp)
    min_support: int | None = None
    min_association: float = 0.6  # (P(step | anchor) + P(anchor | step)) / 2
    min_confidence: float = 0.3  # neither conditional below this
    min_lift: float = 1.2  # P(step | anchor) / P(step)
    retention: float = 0.6  # of the anchor's actors, with every step
    max_overlap: float = 0.5  # Jaccard of two patterns' steps above which one goes
    max_steps: int = 6
    excerpts: int = 3


@dataclass
class Pattern:
    id: str
    anchor: Item
    steps: list[Item]
    actors: list[str]  # every step
    counter: dict[str, list[Item]]  # anchor, not every step -> missing steps
    name: str = ""
    description: str = ""
    curated: bool = False
    version_support: dict[str, int] = field(default_factory=dict)
    excerpts: list[dict[str, Any]] = field(default_factory=list)


def _slug(item: Item) -> str:
    parts = [p for p in item[1:] if p]
    if item[0] == "data":
        parts = ["data", *parts]
    elif item[0] in ("pass", "assign"):
        parts = [parts[0], item[0], *parts[1:]]
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def mine(items: dict[str, ActorItems], cfg: MineConfig = MineConfig()) -> list[Pattern]:
    """The patterns of these actors' items (deterministic: the same items, the same list)."""
    have: dict[Item, set[str]] = defaultdict(set)
    for enum, ai in items.items():
        for it in ai.items:
            have[it].add(enum)
    n = max(1, sum(1 for ai in items.values() if ai.items))
    cfg = replace(cfg, min_support=support_for(n, cfg))
    assert cfg.min_support is not None
    anchors = sorted(
        (i for i, s in have.items() if len(s) >= cfg.min_support), key=lambda i: (-len(have[i]), item_key(i))
    )
    found: list[tuple[Item, list[Item], set[str]]] = []
    for a in anchors:
        members = have[a]
        scored = []
        for it in anchors:
            if it == a:
                continue
            both = len(members & have[it])
            if both < cfg.min_support:
                continue
            c1, c2 = both / len(members), both / len(have[it])
            if (
                (c1 + c2) / 2 >= cfg.min_association
                and min(c1, c2) >= cfg.min_confidence
                and c1 / (len(have[it]) / n) >= cfg.min_lift
            ):
                scored.append(((c1 + c2) / 2, it))
        scored.sort(key=lambda x: (-x[0], item_key(x[1])))
        steps, complete = [a], set(members)
        for _, it in scored:
            if len(steps) >= cfg.max_steps:
                break
            kept = complete & have[it]
            if len(kept) >= max(cfg.min_support, cfg.retention * len(members)):
                steps.append(it)
                complete = kept
        if len(steps) >= 2 and len({s[2] for s in steps}) >= 2:
            found.append((a, steps, complete))
    # (the same steps from several anchors: named after the most common one)
    found.sort(key=lambda x: (-len(x[2]), -len(x[1]), -len(have[x[0]]), item_key(x[0])))
    by_steps: dict[frozenset[Item], Pattern] = {}
    for a, steps, complete in found:
        key = frozenset(steps)
        if any(len(key & k) / len(key | k) >= cfg.max_overlap for k in by_steps):
            continue
        half = max(2, (len(steps) + 1) // 2)
        near = {e for s in steps for e in have[s]} - complete
        counter = {}
        for e in sorted(near):
            miss = [s for s in steps if e not in have[s]]
            if len(steps) - len(miss) >= half:
                counter[e] = miss
        by_steps[key] = Pattern(
            id=_slug(a), anchor=a, steps=_order(steps, complete, items), actors=sorted(complete), counter=counter
        )
    out = sorted(by_steps.values(), key=lambda p: (-len(p.actors), p.id))
    ids: dict[str, int] = {}
    for p in out:  # (two anchors' slugs never collide, but keep ids unique regardless)
        k = ids[p.id] = ids.get(p.id, 0) + 1
        if k > 1:
            p.id = f"{p.id}-{k}"
    for p in out:
        p.version_support = _version_support(p, items)
        p.excerpts = _excerpts(p, items, cfg.excerpts)
    return out


def support_for(n_actors: int, cfg: MineConfig) -> int:
    """The least support a pattern needs among ``n_actors`` actors."""
    if cfg.min_support is not None:
        return cfg.min_support
    return max(2, min(10, n_actors // 40))


def _order(steps: list[Item], actors: set[str], items: dict[str, ActorItems]) -> list[Item]:
    """By role, then by where the step sits among its role's steps in each actor (rank)."""
    ranks: dict[Item, list[int]] = defaultdict(list)
    for enum in actors:
        ai = items[enum]
        by_role: dict[str, list[Item]] = defaultdict(list)
        for s in steps:
            by_role[s[1]].append(s)
        for group in by_role.values():
            placed = sorted(group, key=lambda s: (ai.items[s].function, ai.items[s].line))
            for r, s in enumerate(placed):
                ranks[s].append(r)
    return sorted(steps, key=lambda s: (ROLE_ORDER.get(s[1], 9), mean(ranks[s]) if ranks[s] else 0, item_key(s)))


def _version_support(p: Pattern, items: dict[str, ActorItems]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for enum in p.actors:
        ai = items[enum]
        vs = set(ai.versions)
        for s in p.steps:
            occ_vs = ai.items[s].versions
            if occ_vs:
                vs &= set(occ_vs)
        for v in vs:
            out[v] += 1
    return dict(sorted(out.items()))


def _snippets(occs: list[Occurrence]) -> list[dict[str, Any]]:
    """Occurrences as verbatim snippets: touching or overlapping ones of a function merged."""
    out: list[dict[str, Any]] = []
    for o in sorted(set(occs), key=lambda o: (o.file, o.line, o.end_line)):
        last = out[-1] if out else None
        if last and last["file"] == o.file and last["symbol"] == o.function and o.line <= last["end_line"] + 1:
            if o.end_line > last["end_line"]:
                have = last["text"].split("\n")
                extra = o.text.split("\n")[last["end_line"] + 1 - o.line :]
                last["text"] = "\n".join(have + extra)
                last["end_line"] = o.end_line
            continue
        out.append({"symbol": o.function, "file": o.file, "line": o.line, "end_line": o.end_line, "text": o.text})
    return out


def _excerpts(p: Pattern, items: dict[str, ActorItems], k: int) -> list[dict[str, Any]]:
    """The ``k`` complete actors whose steps sit closest together (fewest functions, fewest
    lines), each with its steps' code as verbatim snippets."""
    scored = []
    for enum in p.actors:
        occs = [items[enum].items[s] for s in p.steps]
        fns = len({(o.file, o.function) for o in occs})
        spans: dict[tuple[str, str], list[int]] = defaultdict(list)
        for o in occs:
            spans[(o.file, o.function)] += [o.line, o.end_line]
        lines = sum(max(v) - min(v) + 1 for v in spans.values())
        scored.append(((fns, lines, enum), enum, occs))
    scored.sort(key=lambda x: x[0])
    return [{"actor": enum, "snippets": _snippets(occs)} for _, enum, occs in scored[:k]]


# ---- names from patterns.yaml ---------------------------------------------------------------


def curated() -> list[dict[str, Any]]:
    text = resources.files("ingest.patterns").joinpath("patterns.yaml").read_text()
    return list(yaml.safe_load(text) or [])


def name_patterns(patterns: list[Pattern], names: list[dict[str, Any]] | None = None) -> None:
    """Give each curated entry's name to the best-supported mined pattern that has every
    step the entry lists (``has``: item keys such as ``call:init:Collider_InitCylinder``)."""
    names = curated() if names is None else names
    taken: set[str] = set()
    for entry in names:
        need = {parse_item(k) for k in entry.get("has", ())}
        for p in patterns:  # (sorted by support)
            if p.id in taken or p.curated or not need <= set(p.steps):
                continue
            p.id = p.name = entry["name"]
            p.description = entry.get("description", "")
            p.curated = True
            taken.add(p.id)
            break
    for p in patterns:
        if not p.curated:
            p.name = p.id
            p.description = _describe(p)


def _describe(p: Pattern) -> str:
    head = describe_item(p.anchor)
    rest = [describe_item(s) for s in p.steps if s != p.anchor]
    return f"Actors where {head} also: " + "; ".join(rest) + "." if rest else head + "."


# ---- facts ------------------------------------------------------------------------------------


def pattern_facts(patterns: list[Pattern], items: dict[str, ActorItems], types: dict[str, str]) -> Facts:
    """``types``: type name -> "Struct"/"Typedef" (the node a data step's STEP edge ends at)."""
    f = Facts()
    for p in patterns:
        roles = sorted({s[1] for s in p.steps if s[1]}, key=lambda r: ROLE_ORDER.get(r, 9))
        f.node(
            "Pattern",
            id=p.id,
            name=p.name,
            description=p.description,
            kind="+".join(sorted({s[0] for s in p.steps})),
            anchor=item_key(p.anchor),
            roles=roles,
            steps=[describe_item(s) for s in p.steps],
            support=len(p.actors),
            actors=p.actors,
            counter_examples=[
                f"{e} (missing: {'; '.join(describe_item(m) for m in miss)})" for e, miss in p.counter.items()
            ],
            version_support=json.dumps(p.version_support),
            excerpts=json.dumps(p.excerpts),
            curated=p.curated,
        )
        for i, s in enumerate(p.steps):
            if s[0] in ("call", "pass"):
                f.rel("STEP", p.id, s[2], from_kind="Pattern", to_kind="Function", position=i, role=s[1], kind=s[0])
            elif s[0] == "data" and s[2] in types:
                f.rel("STEP", p.id, s[2], from_kind="Pattern", to_kind=types[s[2]], position=i, role="", kind="data")
        for enum in p.actors:
            ai = items[enum]
            vs = set(ai.versions)
            for s in p.steps:
                if ai.items[s].versions:
                    vs &= set(ai.items[s].versions)
            f.rel(
                "FOLLOWS",
                enum,
                p.id,
                from_kind="Actor",
                to_kind="Pattern",
                complete=True,
                missing=[],
                versions=sorted(vs),
            )
            for s in p.steps:
                o = ai.items[s]
                if s[0] != "data":
                    f.rel("FOLLOWS", o.function, p.id, from_kind="Function", to_kind="Pattern", role=s[1])
        for enum, miss in p.counter.items():
            f.rel(
                "FOLLOWS",
                enum,
                p.id,
                from_kind="Actor",
                to_kind="Pattern",
                complete=False,
                missing=[describe_item(m) for m in miss],
                versions=[],
            )
    return f


def type_kinds(facts: Facts) -> dict[str, str]:
    out = {n: "Typedef" for n in facts.nodes.get("Typedef", {})}
    out.update({n: "Struct" for n in facts.nodes.get("Struct", {})})
    return out


def _structs(types: dict[str, str]) -> dict[str, str]:
    return {n: k for n, k in types.items() if k == "Struct"}


def build(
    items: dict[str, ActorItems], types: dict[str, str], cfg: MineConfig = MineConfig()
) -> tuple[list[Pattern], Facts]:
    pats = mine(items, cfg)
    name_patterns(pats)
    return pats, pattern_facts(pats, items, types)


# ---- the pipeline source, and what a C delta changes -------------------------------------------


def patterns_source(ctx: Any) -> Facts:
    """Mine the C facts of this run (``ctx.c_facts``); the items are kept for the C delta."""
    if ctx.c_facts is None:
        ctx.notes["patterns"] = "no C facts in this run (--only without c): nothing mined"
        return Facts()
    cfg = MineConfig()
    types = type_kinds(ctx.c_facts)
    items = actor_items(ctx.c_facts, types=_structs(types))
    pats, facts = build(items, types, cfg)
    ctx.stats["pattern_state"] = {"format": _STATE_FORMAT, "items": items, "types": types, "config": cfg}
    named = sum(1 for p in pats if p.curated)
    least = support_for(sum(1 for ai in items.values() if ai.items), cfg)
    ctx.notes["patterns"] = (
        f"{len(pats)} patterns with support >= {least} actors ({named} named in patterns.yaml) from {len(items)} actors"
    )
    return facts


def save_state(cache_dir: Path, state: dict[str, Any]) -> None:
    dump_pickle(cache_dir / STATE_FILE, state)


def forget_state(cache_dir: Path) -> None:
    (cache_dir / STATE_FILE).unlink(missing_ok=True)


def load_state(cache_dir: Path) -> dict[str, Any] | None:
    got = load_pickle(cache_dir / STATE_FILE)
    return got if isinstance(got, dict) and got.get("format") == _STATE_FORMAT else None


def delta_facts(cache_dir: Path, after: Facts, edited: list[str]) -> tuple[Facts, Facts, dict[str, Any]] | None:
    """(patterns before, patterns after, the new state) for a C delta of ``edited``: the
    items of the actors whose code is in the edited files are made again from ``after`` (the
    re-assembled facts, which hold all of that code). None: no state (nothing was mined)."""
    state = load_state(cache_dir)
    if state is None:
        return None
    items: dict[str, ActorItems] = state["items"]
    cfg: MineConfig = state["config"]
    types = dict(state["types"])
    types.update(type_kinds(after))
    hit = {e for e, ai in items.items() if any(in_scope(actor_scope(ai.file), f) for f in edited)}
    hit |= {
        e
        for e, row in after.nodes.get("Actor", {}).items()
        if row.get("file") and any(in_scope(actor_scope(row["file"]), f) for f in edited)
    }
    if not hit:
        return Facts(), Facts(), state
    fresh = actor_items(after, hit, types=_structs(types))
    new_items = {e: ai for e, ai in items.items() if e not in hit}
    new_items.update(fresh)
    _, before = build(items, state["types"], cfg)
    _, now = build(new_items, types, cfg)
    return before, now, {**state, "items": new_items, "types": types}
