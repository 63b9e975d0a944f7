"""Settings from OOTKG_* environment variables (or a .env / ootkg.toml-free config), via pydantic-settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VERSION = "gc-eu-mq-dbg"


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var)
    return Path(base) if base else Path.home() / fallback


class Settings(BaseSettings):
    """Where the graph lives and how to reach it. Every field is also OOTKG_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="OOTKG_", env_file=".env", extra="ignore")

    store: Literal["embedded", "neo4j"] = "embedded"
    db: Path = Field(default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share") / "ootkg" / "graph",
                     description="embedded store directory")
    cache_dir: Path = Field(default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache") / "ootkg",
                            description="facts cache, generated asset headers, PCHs")
    neo4j_uri: str = "bolt://localhost:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = "ootkg-dev-password"
    neo4j_database: str = "neo4j"
    decomp: Path | None = Field(default=None, description="default decomp checkout")
    symbols_dir: Path | None = Field(default=None, description="per-version symbol lists "
                                     "(<version>/functions.txt, z64hdr-*/), not shipped with ootkg")
    default_version: str = DEFAULT_VERSION
    api_token: str | None = None
