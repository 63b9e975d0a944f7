"""The romhacking curriculum: concepts in YAML, their prerequisites, the code they cover.

A curriculum is a directory of ``*.yaml`` files (the built-in one ships in
``ingest/concepts/``). Each file is::

    domain: collision            # default domain of the file's concepts
    concepts:
      - id: actor-collision      # kebab-case, unique across the curriculum
        title: Actor collision with colliders
        difficulty: 2            # 1 beginner .. 4 expert
        summary: One to three sentences, technically accurate for OoT.
        requires: [actor-lifecycle]          # prerequisite concept ids
        covers: [Function:Collider_InitCylinder, Struct:ColliderCylinder,
                 Field:Actor.colChkInfo, Define:ACTOR_FLAG_HOSTILE]

``covers`` entries are ``Kind:key`` with a kind a ``COVERS`` edge may reach in
``kg.schema`` and that kind's key (``Field`` keys are ``Struct.member``).

Loading checks everything a curriculum can get wrong on its own — malformed
YAML, missing or unknown fields, duplicate ids, unknown prerequisites, cycles —
and names the file and the concept. Whether the covered entities exist is a
question for the graph: :func:`concept_facts` takes the entity keys the other
sources produced and either refuses unknown references (a user's curriculum)
or drops them with a count (the built-in curriculum over a partial checkout).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from ingest.concepts.curriculum import ConceptStats, Curriculum
from ingest.concepts.model import COVERABLE_KINDS, Concept, CurriculumError
from kg.facts import Facts
from kg.schema import NODE_KINDS

log = logging.getLogger(__name__)


class CoverageReport(BaseModel):
    concepts: int
    requires: int
    covers: int
    dropped: list[str] = Field(default_factory=list)  # "concept (file): Kind:key"

    @property
    def dropped_count(self) -> int:
        return len(self.dropped)


def _files_of(root: Path | Traversable) -> list[Path | Traversable]:
    files = sorted((p for p in root.iterdir() if p.name.endswith((".yaml", ".yml"))), key=lambda p: p.name)
    return files


def _format_validation(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(x) for x in e["loc"]) or "concept"
        msg = e["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def _parse_file(name: str, text: str, problems: list[str]) -> list[tuple[Concept, str]]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problems.append(f"{name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})")
        return []
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("concepts"), list):
        problems.append(f"{name}: expected a mapping with a 'concepts' list (and optionally a default 'domain')")
        return []
    unknown = set(doc) - {"domain", "concepts"}
    if unknown:
        problems.append(f"{name}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    out = []
    for i, item in enumerate(doc["concepts"]):
        if not isinstance(item, dict):
            problems.append(f"{name}: concept #{i + 1} is not a mapping")
            continue
        label = f"{name}: concept {item.get('id', f'#{i + 1}')!s}"
        data: dict[str, Any] = {"domain": doc.get("domain"), **item}
        if data["domain"] is None:
            data.pop("domain")
        try:
            out.append((Concept.model_validate(data), name))
        except ValidationError as exc:
            problems.append(f"{label}: {_format_validation(exc)}")
    return out


def load_curriculum(root: Path | Traversable) -> Curriculum:
    """Load and validate every ``*.yaml`` under ``root``; raise ``CurriculumError`` listing
    every problem (file and concept named) when anything is wrong."""
    if isinstance(root, Path) and not root.is_dir():
        raise CurriculumError([f"{root}: not a directory of concept YAML files"])
    problems: list[str] = []
    concepts: dict[str, Concept] = {}
    files: dict[str, str] = {}
    found = _files_of(root)
    if not found:
        raise CurriculumError([f"{root}: no *.yaml concept files"])
    for path in found:
        for concept, name in _parse_file(path.name, path.read_text(encoding="utf-8"), problems):
            if concept.id in concepts:
                problems.append(f"{name}: concept {concept.id}: duplicate id (also defined in {files[concept.id]})")
                continue
            concepts[concept.id] = concept
            files[concept.id] = name
    for c in concepts.values():
        for pre in c.requires:
            if pre == c.id:
                problems.append(f"{files[c.id]}: concept {c.id}: requires itself")
            elif pre not in concepts:
                problems.append(f"{files[c.id]}: concept {c.id}: unknown prerequisite {pre!r}")
    if problems:
        raise CurriculumError(problems)
    curriculum = Curriculum(concepts, files)
    import networkx as nx  # see Curriculum.graph

    try:
        cycle = nx.find_cycle(curriculum.graph)
    except nx.NetworkXNoCycle:
        return curriculum
    # Graph edges run prerequisite -> concept; name the cycle the way the YAML reads.
    ids = [b for _, b in reversed(cycle)] + [cycle[-1][1]]
    where = ", ".join(sorted({files[i] for i in ids}))
    raise CurriculumError([f"prerequisite cycle: {' requires '.join(ids)} (in {where})"])


def builtin_root() -> Traversable:
    return resources.files("ingest") / "concepts"


def load_builtin() -> Curriculum:
    return load_curriculum(builtin_root())


@functools.cache
def _builtin_cached() -> Curriculum:
    return load_builtin()


def prerequisite_chain(concept_id: str, curriculum: Curriculum | None = None) -> list[str]:
    """Concepts to learn in order, ending with ``concept_id`` (built-in curriculum by default)."""
    return (curriculum or _builtin_cached()).prerequisite_chain(concept_id)


def concept_stats(concept_id: str, curriculum: Curriculum | None = None) -> ConceptStats:
    """Depth, prerequisite count and complexity of a concept (built-in curriculum by default)."""
    return (curriculum or _builtin_cached()).stats(concept_id)


class EntityKeys(set[tuple[str, str]]):
    """The (kind, key) pairs a graph holds. A static global's key is ``file:name``
    (``kg.schema.global_id``); a curriculum names it ``Global:name``, so that pair is held too,
    with the keys it stands for in ``aliases``."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(pairs)
        self.aliases: dict[tuple[str, str], list[str]] = {}

    def keys_for(self, kind: str, key: str) -> list[str]:
        return self.aliases.get((kind, key), [key])


def entity_keys(facts: Facts, kinds: Iterable[str] = COVERABLE_KINDS) -> EntityKeys:
    """The (kind, key) pairs a Facts bundle holds, for the coverable kinds."""
    kinds = list(kinds)
    out = EntityKeys((kind, key) for kind in kinds for key in facts.nodes.get(kind, {}))
    if "Global" in kinds:
        rows = facts.nodes.get("Global", {})
        for key, row in rows.items():
            name = row.get("name")
            if name and name != key:
                out.add(("Global", name))
                # (a non-static global of that name, if any, too)
                out.aliases.setdefault(("Global", name), [name] if name in rows else []).append(key)
    return out


def concept_facts(curriculum: Curriculum, known: EntityKeys | None, *, strict: bool) -> tuple[Facts, CoverageReport]:
    """Concept nodes, REQUIRES and COVERS edges.

    ``known`` is the set of (kind, key) entities the graph will hold (``None``:
    do not check). With ``strict`` an unknown entity is an error that lists
    every unknown reference; otherwise its COVERS edge is dropped and reported.
    """
    unknown: list[str] = []
    facts = Facts()
    for c in curriculum:
        facts.node("Concept", id=c.id, title=c.title, domain=c.domain, difficulty=c.difficulty, summary=c.summary)
    requires = covers = 0
    for c in curriculum:
        for pre in c.requires:
            facts.rel("REQUIRES", c.id, pre)
            requires += 1
        for ref in c.refs():
            if known is not None and (ref.kind, ref.key) not in known:
                unknown.append(f"{c.id} ({curriculum.files[c.id]}): {ref}")
                continue
            for key in known.keys_for(ref.kind, ref.key) if isinstance(known, EntityKeys) else [ref.key]:
                facts.rel("COVERS", c.id, key, from_kind="Concept", to_kind=ref.kind, kind=ref.kind)
                covers += 1
    if unknown and strict:
        raise CurriculumError(
            [
                f"{len(unknown)} covered entit"
                f"{'y is' if len(unknown) == 1 else 'ies are'} not in the graph "
                "(check the spelling against the decomp, or ingest the sources "
                "that define them):\n    " + "\n    ".join(unknown)
            ]
        )
    if unknown:  # the ingest summary's note says it too; a warning here would print it twice
        log.info("concepts: dropped %d COVERS edge(s) to entities not in the graph (a partial checkout?)", len(unknown))
    return facts, CoverageReport(concepts=len(curriculum), requires=requires, covers=covers, dropped=unknown)


def concepts_source(ctx: Any) -> Facts:
    """The pipeline source (``ingest.pipeline``): the built-in curriculum, or ``ctx.concepts_dir``.

    Entity references are checked against what the earlier sources produced
    (``ctx.facts``). A user's curriculum must be complete (``CurriculumError``
    listing every unknown reference, nothing written); the built-in one, ingested
    over a partial checkout such as a test fixture, drops its COVERS edges to
    entities that are not there and reports the count in ``ctx.notes``.
    """
    user_dir = getattr(ctx, "concepts_dir", None)
    curriculum = load_curriculum(Path(user_dir)) if user_dir else load_builtin()
    graph = getattr(ctx, "facts", None)
    known = entity_keys(graph) if graph is not None else None
    facts, report = concept_facts(curriculum, known, strict=bool(user_dir))
    note = f"{report.concepts} concepts, {report.requires} prerequisites, {report.covers} covers"
    if report.dropped:
        note += f"; {report.dropped_count} covered entities not in this checkout (dropped)"
    notes = getattr(ctx, "notes", None)
    if isinstance(notes, dict):
        notes["concepts"] = note
    return facts


def _known_kinds_check() -> None:
    missing = [k for k in COVERABLE_KINDS if k not in NODE_KINDS]
    if missing:  # pragma: no cover - a schema inconsistency, caught at import
        raise RuntimeError(f"COVERS reaches kinds the schema does not define: {missing}")


_known_kinds_check()
