"""A concept of the curriculum as its YAML states it (``Concept``, the ``Kind:key`` entities it
covers as ``EntityRef``), and ``CurriculumError``. Below both the loader
(``ingest.concepts.source``) and the graph of prerequisites (``ingest.concepts.curriculum``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kg.schema import REL_KINDS

KEBAB = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# The kinds a COVERS edge may point to, straight from the schema.
COVERABLE_KINDS: tuple[str, ...] = tuple(sorted({to for _, to in REL_KINDS["COVERS"].pairs}))
ConceptId = Annotated[str, Field(pattern=KEBAB, max_length=80)]


class CurriculumError(ValueError):
    """A curriculum that cannot be loaded; ``problems`` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "curriculum: " + "; ".join(problems)
            if len(problems) == 1
            else f"curriculum has {len(problems)} problems:\n  " + "\n  ".join(problems)
        )


class EntityRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    key: str

    @classmethod
    def parse(cls, text: str) -> EntityRef:
        kind, sep, key = text.partition(":")
        kind, key = kind.strip(), key.strip()
        if not sep or not kind or not key:
            raise ValueError(f"{text!r} is not Kind:key (e.g. Function:Actor_Kill)")
        if kind not in COVERABLE_KINDS:
            raise ValueError(f"{text!r}: unknown kind {kind!r}; a concept may cover {', '.join(COVERABLE_KINDS)}")
        if kind == "Field" and (key.count(".") != 1 or key.startswith(".") or key.endswith(".")):
            raise ValueError(f"{text!r}: a Field key is Struct.member (e.g. Field:Actor.world)")
        if any(c.isspace() for c in key):
            raise ValueError(f"{text!r}: a key has no spaces")
        return cls(kind=kind, key=key)

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class Concept(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: ConceptId
    title: str = Field(min_length=3, max_length=120)
    domain: ConceptId
    difficulty: int = Field(ge=1, le=4)
    summary: str = Field(min_length=20, max_length=900)
    requires: list[ConceptId] = Field(default_factory=list)
    covers: list[str] = Field(default_factory=list)

    @field_validator("covers")
    @classmethod
    def _refs_well_formed(cls, value: list[str]) -> list[str]:
        for text in value:
            EntityRef.parse(text)
        if len(set(value)) != len(value):
            dup = sorted({v for v in value if value.count(v) > 1})
            raise ValueError(f"covers lists {', '.join(dup)} more than once")
        return value

    @field_validator("requires")
    @classmethod
    def _no_duplicate_requires(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("requires lists a concept more than once")
        return value

    def refs(self) -> list[EntityRef]:
        return [EntityRef.parse(text) for text in self.covers]
