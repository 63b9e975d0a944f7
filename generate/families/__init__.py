"""Example families: one per scenario catalogue (``generate/scenarios/<family>.yaml``).

A family is data: its instructions for the model, its scenarios (each naming the target
kinds, facts and code it needs) and the recipes that build its examples offline
(``generate.offline``). The order here is the order plans cycle through.
"""

from __future__ import annotations

from generate.families.base import Family

NAMES = (
    "qa",
    "actor-modification",
    "new-actor",
    "audio",
    "graphics",
    "save-data",
    "build-system",
    "version-migration",
    "optimization",
    "edge-cases",
    "debugging-conversation",
    "feature-development",
)
MIN_TURNS = {"debugging-conversation": 8, "feature-development": 6}

FAMILIES: dict[str, Family] = {n: Family(n, MIN_TURNS.get(n, 2)) for n in NAMES}


def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown family {name!r}; families: {', '.join(FAMILIES)}") from None
