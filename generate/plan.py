"""The run's configuration and its deterministic plan.

The plan is a pure function of the configuration and the graph: targets are read
in a fixed order, every choice (family, difficulty, target) comes from a seeded
generator, and item ids are hashes of the configuration fingerprint and the
item's position and choices. A resumed run rebuilds the same plan and skips the
items its files already decided.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel, Field

from generate.context import TARGET_KINDS, Queries
from generate.curriculum import ConceptGraph
from generate.families import FAMILIES, get_family
from generate.models import PlanItem, Target, stable_hash

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


class TargetRow(BaseModel):
    kind: str
    key: str
    file: str = ""
    detail: str = ""
    versions: list[str] = Field(default_factory=list)

    def target(self) -> Target:
        return Target(kind=self.kind, key=self.key)


def load_targets(q: Queries, config: RunConfig) -> list[TargetRow]:
    """Targets from the user's query (column ``target``, optional ``kind``) or the whole graph."""
    if config.targets_query:
        return _query_targets(q, config.targets_query)
    rows = [TargetRow(kind=r["kind"], key=r["key"], file=r.get("file") or "",
                      detail=r.get("detail") or "", versions=[v for v in r["versions"] or [] if v])
            for r in q.run("generate_targets") if r.get("key")]
    rows += [TargetRow(kind="Concept", key=r["id"], detail=r.get("domain") or "")
             for r in q.run("generate_concepts")]
    return sorted(rows, key=lambda r: (r.kind, r.key))


def _query_targets(q: Queries, text: str) -> list[TargetRow]:
    rows = q.store.run(text, {})
    if not rows:
        raise PlanError("The --targets query returned no rows, so there is nothing to generate. "
                        "Run it with `ootkg cypher` to check it.")
    if "target" not in rows[0]:
        raise PlanError(f"The --targets query must return a column named `target` (e.g. "
                        f"`RETURN a.enum AS target`); it returned {', '.join(rows[0])}.")
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
        raise PlanError(f"None of the --targets rows names an entity the graph has "
                        f"(e.g. {', '.join(unknown[:3])}). Return actor enums, function or "
                        "struct names, scene/object enums or concept ids in `target`.")
    return out


def eligible_targets(config: RunConfig, targets: list[TargetRow]) -> dict[str, list[TargetRow]]:
    present = [t for t in targets if not t.versions or config.version in t.versions]
    by_kind: dict[str, list[TargetRow]] = {}
    for t in present:
        by_kind.setdefault(t.kind, []).append(t)
    out: dict[str, list[TargetRow]] = {}
    for name in config.families:
        fam = get_family(name)
        out[name] = [t for kind in fam.target_kinds for t in by_kind.get(kind, [])
                     if fam.eligible(t.kind, t.key, t.file, t.detail)]
        out[name].sort(key=lambda r: (r.kind, r.key))
    return out


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
        raise PlanError("The graph has nothing these families can be about:\n  "
                        + "\n  ".join(lines))
    return [n for n in config.families if n not in empty]


def make_plan(config: RunConfig, targets: list[TargetRow], concepts: ConceptGraph,
              limit: int) -> list[PlanItem]:
    if config.curriculum:
        return curriculum_plan(config, concepts, targets)
    eligible = eligible_targets(config, targets)
    families = check_coverage(config, eligible)
    fp = config.fingerprint()
    rng = random.Random(f"{config.seed}:{fp}")
    cycles = {}
    for name in families:
        order = list(eligible[name])
        random.Random(f"{config.seed}:{fp}:{name}").shuffle(order)
        cycles[name] = (order, [0])
    lo, hi = config.difficulty
    plan = []
    for i in range(limit):
        fam = rng.choice(families)
        difficulty = rng.randint(lo, hi)
        order, pos = cycles[fam]
        row = order[pos[0] % len(order)]
        pos[0] += 1
        plan.append(_item(config, fp, i, row.target(), fam, difficulty,
                          concepts.chain_for(row.kind, row.key)))
    return plan


def curriculum_plan(config: RunConfig, concepts: ConceptGraph,
                    targets: list[TargetRow]) -> list[PlanItem]:
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
        fams = [n for n in config.families if get_family(n).eligible("Concept", c, "", domain)]
        if not fams:
            fams = ["qa"]
        level = min(hi, max(level, concepts.graph.nodes[c].get("difficulty") or lo))
        builds = [i for p in concepts.direct_prerequisites(c) for i in done_ids.get(p, [])[-1:]]
        ids = []
        per_step = max(1, base + (1 if step >= len(chain) - extra else 0))
        for k in range(per_step):
            fam = fams[k % len(fams)]
            diff = min(hi, level + (k * (hi - level + 1)) // per_step)
            item = _item(config, fp, len(plan), Target(kind="Concept", key=c), fam, diff,
                         chain[:step], builds_on=builds + ids[-1:])
            ids.append(item.id)
            plan.append(item)
        done_ids[c] = ids
    return plan


def _item(config: RunConfig, fp: str, index: int, target: Target, family: str, difficulty: int,
          chain: list[str], builds_on: list[str] | None = None) -> PlanItem:
    item_id = f"{family}-{stable_hash(fp, index, str(target), family, difficulty, length=12)}"
    return PlanItem(id=item_id, index=index, target=target, family=family, difficulty=difficulty,
                    version=config.version, concept_chain=chain, builds_on=builds_on or [],
                    seed=config.seed)
