"""Where settings come from, with the standard library only: OOTKG_* variables and a ``.env``
file in the working directory (the variables win). ``kg.settings.Settings`` validates these;
the CLI's no-op fast path (``ootkg.fastpath``) reads them before pydantic is imported."""

from __future__ import annotations

import os
from pathlib import Path

ENV_PREFIX = "OOTKG_"


def xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var)
    return Path(base) if base else Path.home() / fallback


def default_db() -> Path:
    return xdg("XDG_DATA_HOME", ".local/share") / "ootkg" / "graph"


def default_review_dir() -> Path:
    return xdg("XDG_DATA_HOME", ".local/share") / "ootkg" / "reviews"


def default_cache_dir() -> Path:
    return xdg("XDG_CACHE_HOME", ".cache") / "ootkg"


def dotenv(path: Path = Path(".env")) -> dict[str, str]:
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


def env_values() -> dict[str, str]:
    """Setting name (lower case, prefix dropped) -> raw value; an empty value means unset."""
    found: dict[str, str] = {}
    for source in (dotenv(), os.environ):
        for key, value in source.items():
            if key.upper().startswith(ENV_PREFIX):
                found[key[len(ENV_PREFIX) :].lower()] = value
    return {k: v for k, v in found.items() if v != ""}
