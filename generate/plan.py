"""The run's configuration and its deterministic plan.

The plan is a pure function of the configuration and the graph: targets are read
in a fixed order, every choice (family, difficulty, target) comes from a seeded
generator, and item ids are hashes of the configuration fingerprint and the
item's position and choices. A resumed run rebuilds the same plan and skips the
items its files already decided.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, Field

from generate.context import TARGET_KINDS, Queries
from generate.curriculum import ConceptGraph
from generate.families import FAMILIES, get_family
from generate.models import PlanItem, Target, stable_hash
from generate.scenario import filter_field, passes_filter

# What to ingest when the graph lacks what a family targets.
INGEST_HINT = {
    "Actor": "the actor table (`ootkg ingest --decomp PATH`, source `tables`)",
    "Function": "the C code (`ootkg ingest --decomp PATH`, source `c`)",
    "Struct": "the C code (`ootkg ingest --decomp PATH`, source `c`)",
    "Global": "the C code (`ootkg ingest --decomp PATH`, source `c`)",
    "Scene": "the scene table (`ootkg ingest --decomp PATH`, source `tables`)",
    "Object": "the object table and asset XML (`ootkg ingest --decomp PATH`, sources `tables` and `assets`)",
    "Sequence": "the sequence table (`ootkg ingest --decomp PATH`, source `tables`)",
    "Sfx": "the sound-effect tables (`ootkg ingest --decomp PATH`, source `tables`)",
    "Segment": "the segments (`ootkg ingest --decomp PATH`, source `addresses`)",
    "Concept": "the curriculum (`ootkg ingest --decomp PATH`, source `concepts`)",
    "Soundfont": "the audio XMLs (`ootkg ingest --decomp PATH`, source `audio`)",
}


class PlanError(ValueError):
    """The configuration cannot produce a plan on this graph (the message says why)."""


class RunConfig(BaseModel):
    families: list[str] = Field(default_factory=lambda: list(FAMILIES))
    difficulty: tuple[int, int] = (1, 4)
    version: str
    count: int = 100
    seed: int = 0
    targets_query: str | None = None
    curriculum: str | None = None
    generator: str = "offline"
    model: str = "ootkg-offline-templates"
    max_tokens: int = 4096
    max_context_tokens: int = 2400
    dedup_threshold: float = 0.9
    families_explicit: bool = False

    def fingerprint(self) -> str:
        """What determines the plan and its content; budget, concurrency and such are not in it."""
        # A curriculum's steps depend on count (examples per concept); a target plan does not.
        skip = {"families_explicit"} | (set() if self.curriculum else {"count"})
        return stable_hash(self.model_dump(exclude=skip))

    def plan_affecting(self) -> dict[str, Any]:
        return self.model_dump(exclude={"families_explicit"})


@dataclass(slots=True)
class TargetRow:
    """A candidate target as the plan sees it (tens of thousands per graph: a plain record)."""

    kind: str
    key: str
    file: str = ""
    detail: str = ""
    versions: list[str] = field(default_factory=list)

    def target(self) -> Target:
        return Target(kind=self.kind, key=self.key)


class LazyOrder:
    """A seeded shuffle drawn one position at a time (a Fisher-Yates step per draw), so a
    stratum of 13k functions costs only the draws the plan makes; cycles like a list."""

    def __init__(self, rows: list[TargetRow], seed: str) -> None:
        self.rows = list(rows)
        self.rng = random.Random(seed)
        self.done = 0  # positions fixed so far

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> TargetRow:
        i %= len(self.rows)
        while self.done <= i:
            j = self.rng.randrange(self.done, len(self.rows))
            self.rows[self.done], self.rows[j] = self.rows[j], self.rows[self.done]
            self.done += 1
        return self.rows[i]


def load_targets(q: Queries, config: RunConfig) -> list[TargetRow]:
    """Targets from the user's query (column ``target``, optional ``kind``) or the whole graph."""
    if config.targets_query:
        return _query_targets(q, config.targets_query)
    # model_construct: ~20k rows of the graph's own values, no validation needed
    rows = [
        TargetRow(
            r["kind"], r["key"], r.get("file") or "", r.get("detail") or "", [v for v in r["versions"] or [] if v]
        )
        for r in q.bulk("generate_targets")
        if r.get("key")
    ]
    rows += [TargetRow(kind="Concept", key=r["id"], detail=r.get("domain") or "") for r in q.bulk("generate_concepts")]
    rows += [
        TargetRow(r["kind"], r["key"], r.get("file") or "")
        for r in q.optional("generate_targets_audio")
        if r.get("key")
    ]
    return sorted(rows, key=lambda r: (r.kind, r.key))


def _query_targets(q: Queries, text: str) -> list[TargetRow]:
    rows = q.store.run(text, {})
    if not rows:
        raise PlanError(
            "The --targets query returned no rows, so there is nothing to generate. "
            "Run it with `ootkg cypher` to check it."
        )
    if "target" not in rows[0]:
        raise PlanError(
            f"The --targets query must return a column named `target` (e.g. "
            f"`RETURN a.enum AS target`); it returned {', '.join(rows[0])}."
        )
    keys = sorted({str(r["target"]) for r in rows if r.get("target") is not None})
    given_kind = {str(r["target"]): r.get("kind") for r in rows}
    everything = {(r.key): r for r in load_targets(q, RunConfig(version="any"))}
    out, unknown = [], []
    for key in keys:
        found = everything.get(key)
        kind = given_kind.get(key)
        if found is not None and (not kind or kind == found.kind):
            out.append(found)
        elif kind in TARGET_KINDS:
            out.append(TargetRow(kind=kind, key=key))
        else:
            unknown.append(key)
    if unknown and not out:
        raise PlanError(
            f"None of the --targets rows names an entity the graph has "
            f"(e.g. {', '.join(unknown[:3])}). Return actor enums, function or "
            "struct names, scene/object enums or concept ids in `target`."
        )
    return out


def eligible_targets(config: RunConfig, targets: list[TargetRow]) -> dict[str, list[TargetRow]]:
    """Per family, the targets at least one of its scenarios can be about (kind and filter)."""
    present = [t for t in targets if not t.versions or config.version in t.versions]
    by_kind: dict[str, list[TargetRow]] = {}
    for t in present:
        by_kind.setdefault(t.kind, []).append(t)
    kept: dict[tuple, list[TargetRow]] = {}  # families share kinds and filters: each once
    out: dict[str, list[TargetRow]] = {}
    for name in config.families:
        fam = get_family(name)
        rows: list[TargetRow] = []
        parts = 0
        for kind in fam.target_kinds:
            filters = frozenset(
                tuple(sorted(s.target_filter.items())) for s in fam.scenarios() if kind in s.targets and not s.grep
            )
            if not filters:
                continue
            if (kind, filters) not in kept:
                kept[(kind, filters)] = _passing(by_kind.get(kind, []), filters)
            rows += kept[(kind, filters)]
            parts += 1
        # one kind's rows are in the targets' (kind, key) order already
        out[name] = sorted(rows, key=_ROW_ORDER) if parts > 1 else rows
    return out


_ROW_ORDER = attrgetter("kind", "key")


def _passing(cands: list[TargetRow], filters: frozenset[tuple]) -> list[TargetRow]:
    """The rows one of ``filters`` takes (an empty filter takes every row), in their order."""
    if any(not f for f in filters):
        return cands
    keep = [False] * len(cands)
    for f in filters:
        hits: Iterable[int] = range(len(cands))
        for key, rx in f:  # every test of a filter must hold: narrow the rows test by test
            value, search = filter_field(key), re.compile(rx).search
            hits = [i for i in hits if search(value(cands[i]) or "")]
        for i in hits:
            keep[i] = True
    return [row for row, k in zip(cands, keep, strict=True) if k]


def check_coverage(config: RunConfig, eligible: dict[str, list[TargetRow]]) -> list[str]:
    """Families with no target: an error when the user asked for them, else dropped."""
    empty = [n for n, rows in eligible.items() if not rows]
    if empty and (config.families_explicit or len(empty) == len(eligible)):
        lines = []
        for n in empty:
            fam = get_family(n)
            kinds = ", ".join(fam.target_kinds)
            hint = "; ".join(sorted({INGEST_HINT.get(k, k) for k in fam.target_kinds}))
            lines.append(f"{n} needs {kinds} entities in {config.version}: ingest {hint}")
        raise PlanError("The graph has nothing these families can be about:\n  " + "\n  ".join(lines))
    return [n for n in config.families if n not in empty]


GROUP = (2, 3)  # items per (family, target) group: adjacent items share a cached prefix


def make_plan(
    config: RunConfig, targets: list[TargetRow], concepts: ConceptGraph, limit: int, contexts: Any = None
) -> list[PlanItem]:
    return list(islice(iter_plan(config, targets, concepts, contexts), limit))


def _kinds_of(
    config: RunConfig, eligible: dict[str, list[TargetRow]], picker: Any, present: dict[tuple[str, str], TargetRow]
) -> dict[str, dict[str, list[TargetRow]]]:
    """Per family, its eligible targets by kind, and (with a picker) a stratum of candidates
    for each scenario that fits few functions."""
    kinds_of: dict[str, dict[str, list[TargetRow]]] = {}
    for name in config.families:
        by_kind: dict[str, list[TargetRow]] = {}
        kinds_of[name] = by_kind
        for row in eligible[name]:
            by_kind.setdefault(row.kind, []).append(row)
        if picker is not None:
            # scenarios that fit few functions get their own stratum of candidates (found by
            # a grep of the checkout or by what the functions call), so they are reached
            for s in get_family(name).scenarios():
                found = picker.candidates(s)
                if found is None:
                    continue
                kind, names = found
                rows = [
                    TargetRow(
                        kind=kind,
                        key=k,
                        file=present[(kind, k)].file,
                        detail=f"grep:{s.id}",
                        versions=present[(kind, k)].versions,
                    )
                    for k in names
                    if (kind, k) in present and (s.grep or passes_filter(present[(kind, k)], s.target_filter))
                ]
                if rows:
                    by_kind.setdefault(f"{kind}~{s.id}", []).extend(rows)
    return kinds_of


def iter_plan(
    config: RunConfig, targets: list[TargetRow], concepts: ConceptGraph, contexts: Any = None
) -> Iterator[PlanItem]:
    """The plan, lazily: families in turn, each family's target kinds in turn (so scenes,
    sequences and concepts appear, not only the many functions), the next target of that
    kind, then a group of items about that target, each with a scenario whose needs its
    context meets. Deterministic for a configuration and a graph (and its checkout)."""
    if config.curriculum:
        yield from curriculum_plan(config, concepts, targets)
        return
    from generate.scenario_pick import ScenarioPicker

    eligible = eligible_targets(config, targets)
    fp = config.fingerprint()
    rng = random.Random(f"{config.seed}:{fp}")
    picker = ScenarioPicker(contexts, config.version) if contexts is not None else None
    strata: dict[str, dict[str, tuple[LazyOrder, list[int]]]] = {}
    present = {
        (t.kind, t.key): t
        for t in targets
        if t.kind in ("Function", "Struct") and (not t.versions or config.version in t.versions)
    }
    kinds_of = _kinds_of(config, eligible, picker, present)
    # a family is empty when neither its kinds nor its candidate strata have a target
    families = check_coverage(config, {n: [r for rows in kinds_of[n].values() for r in rows] for n in config.families})
    for name in families:
        strata[name] = {}
        for kind, rows in sorted(kinds_of[name].items()):
            strata[name][kind] = (
                LazyOrder(rows, f"{config.seed}:{fp}:{name}:{kind}"),
                [0, 0],
            )  # position, misses in a row
    lo, hi = config.difficulty
    index = 0
    turn: dict[str, int] = {}
    scenario_uses: dict[str, int] = {}
    domain_uses: dict[str, int] = {}
    while strata:
        fam = rng.choice(sorted(strata))
        kinds = sorted(strata[fam])
        kind = kinds[turn.get(fam, 0) % len(kinds)]
        turn[fam] = turn.get(fam, 0) + 1
        order, state = strata[fam][kind]
        row = order[state[0] % len(order)]
        state[0] += 1
        fitting = (
            picker.fitting(fam, row)
            if picker is not None
            else [s for s in get_family(fam).scenarios() if row.kind in s.targets]
        )
        if not fitting:
            state[1] += 1
            if state[1] >= len(order):  # a whole round without a fit: this kind is done
                del strata[fam][kind]
                if not strata[fam]:
                    del strata[fam]
            continue
        state[1] = 0
        # the least used seed domain first, then the family's least used scenario (ties at
        # random): every domain and scenario gets its turn, not the ones that fit most targets
        rng.shuffle(fitting)
        fitting.sort(key=lambda sc: (domain_uses.get(sc.domain, 0), scenario_uses.get(sc.id, 0)))
        used: set[tuple[str, int]] = set()
        for j in range(rng.randint(*GROUP)):
            scenario = fitting[j % len(fitting)]
            # items of a group differ in scenario or difficulty (the task): never twins
            # level 4 designs across systems: a scenario that crosses one, or a target whose
            # context shows fewer than two of them, stops at 3
            levels = [
                d
                for d in range(lo, hi + 1)
                if (scenario.id, d) not in used
                and (
                    d < 4
                    or (
                        picker.can_design(scenario, row)
                        if picker is not None
                        else len(scenario.systems) >= 2 and bool(scenario.tradeoffs and scenario.verify)
                    )
                )
            ]
            if not levels:
                continue
            level = rng.choice(levels)
            used.add((scenario.id, level))
            personas = sorted(k for k in scenario.ask if k != "any") or ["modder"]
            if "any" in scenario.ask:
                personas = sorted(set(personas) | {"beginner", "modder", "expert"})
            item = _item(config, fp, index, row.target(), fam, level, concepts.chain_for(row.kind, row.key))
            item.scenario, item.persona = scenario.id, rng.choice(personas)
            scenario_uses[scenario.id] = scenario_uses.get(scenario.id, 0) + 1
            domain_uses[scenario.domain] = domain_uses.get(scenario.domain, 0) + 1
            index += 1
            yield item


def curriculum_plan(config: RunConfig, concepts: ConceptGraph, targets: list[TargetRow]) -> list[PlanItem]:
    """Stepping stones from the prerequisites up to the concept; each builds on the ones before."""
    cid = config.curriculum or ""
    if cid not in concepts.graph:
        known = ", ".join(sorted(concepts.graph)[:12]) or "none: ingest the curriculum first"
        raise PlanError(f"No concept {cid!r} in the graph. Concepts: {known}.")
    chain = concepts.prerequisite_chain(cid) + [cid]
    fp = config.fingerprint()
    lo, hi = config.difficulty
    # --count spread over the steps, the extra ones to the steps nearest the concept; every
    # step gets at least one example.
    base, extra = divmod(config.count, len(chain))
    plan: list[PlanItem] = []
    done_ids: dict[str, list[str]] = {}
    level = lo
    for step, c in enumerate(chain):
        domain = concepts.graph.nodes[c].get("domain") or ""
        fams = [
            n
            for n in config.families
            if any(
                "Concept" in s.targets and re.search(s.target_filter.get("domain", ""), domain)
                for s in get_family(n).scenarios()
            )
        ]
        if not fams:
            fams = ["qa"]
        level = min(hi, max(level, concepts.graph.nodes[c].get("difficulty") or lo))
        builds = [i for p in concepts.direct_prerequisites(c) for i in done_ids.get(p, [])[-1:]]
        ids: list[str] = []
        per_step = max(1, base + (1 if step >= len(chain) - extra else 0))
        for k in range(per_step):
            fam = fams[k % len(fams)]
            diff = min(hi, level + (k * (hi - level + 1)) // per_step)
            item = _item(
                config,
                fp,
                len(plan),
                Target(kind="Concept", key=c),
                fam,
                diff,
                chain[:step],
                builds_on=builds + ids[-1:],
            )
            ids.append(item.id)
            plan.append(item)
        done_ids[c] = ids
    return plan


def _item(
    config: RunConfig,
    fp: str,
    index: int,
    target: Target,
    family: str,
    difficulty: int,
    chain: list[str],
    builds_on: list[str] | None = None,
) -> PlanItem:
    item_id = f"{family}-{stable_hash(fp, index, str(target), family, difficulty, length=12)}"
    return PlanItem(
        id=item_id,
        index=index,
        target=target,
        family=family,
        difficulty=difficulty,
        version=config.version,
        concept_chain=chain,
        builds_on=builds_on or [],
        seed=config.seed,
    )
