"""Settings from OOTKG_* environment variables (or a ``.env`` file in the working directory).

A pydantic model filled from the environment by hand rather than with pydantic-settings:
the CLI imports this on every start, and pydantic-settings alone costs ~0.25 s of import
(its cloud-provider sources), half of an unchanged re-ingest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg.envconf import default_cache_dir, default_db, default_review_dir, env_values

DEFAULT_VERSION = "gc-eu-mq-dbg"


class Settings(BaseModel):
    """Where the graph lives and how to reach it. Every field is also OOTKG_<NAME>
    (the environment wins over ``.env``; explicit arguments win over both)."""

    model_config = ConfigDict(extra="ignore")

    store: Literal["embedded", "neo4j"] = "embedded"
    db: Path = Field(default_factory=default_db, description="embedded store directory")
    cache_dir: Path = Field(default_factory=default_cache_dir, description="facts cache, generated asset headers, PCHs")
    neo4j_uri: str = "bolt://localhost:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = "ootkg-dev-password"
    neo4j_database: str = "neo4j"
    decomp: Path | None = Field(default=None, description="default decomp checkout")
    symbols_dir: Path | None = Field(
        default=None,
        description="per-version symbol lists (<version>/functions.txt, z64hdr-*/), not shipped with ootkg",
    )
    default_version: str = DEFAULT_VERSION
    api_token: str | None = None
    review_dir: Path = Field(
        default_factory=default_review_dir,
        description="reviewers (hashed tokens), the runs under review, the judge's calibration",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        found = {k: v for k, v in env_values().items() if k in cls.model_fields}
        return {**found, **data}
