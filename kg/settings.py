"""Settings from OOTKG_* environment variables (or a ``.env`` file in the working directory).

A pydantic model filled from the environment by hand rather than with pydantic-settings:
the CLI imports this on every start, and pydantic-settings alone costs ~0.25 s of import
(its cloud-provider sources), half of an unchanged re-ingest.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_VERSION = "gc-eu-mq-dbg"
ENV_PREFIX = "OOTKG_"


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var)
    return Path(base) if base else Path.home() / fallback


def _dotenv(path: Path = Path(".env")) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments, blank lines, quotes and ``export`` allowed)."""
    out: dict[str, str] = {}
    try:
        text = path.read_text()
    except OSError:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


class Settings(BaseModel):
    """Where the graph lives and how to reach it. Every field is also OOTKG_<NAME>
    (the environment wins over ``.env``; explicit arguments win over both)."""

    model_config = ConfigDict(extra="ignore")

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

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        found: dict[str, str] = {}
        sources = [_dotenv(), os.environ]
        for source in sources:
            for key, value in source.items():
                if key.upper().startswith(ENV_PREFIX):
                    name = key[len(ENV_PREFIX):].lower()
                    if name in cls.model_fields:
                        found[name] = value
        # an empty variable means "unset" (the default), as in most shells' conventions
        return {**{k: v for k, v in found.items() if v != ""}, **data}
