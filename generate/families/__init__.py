"""Example families: each knows its targets, its prompt and how to build it from facts."""

from __future__ import annotations

from generate.families.actor_modification import ActorModification
from generate.families.audio import Audio
from generate.families.base import Family
from generate.families.build_system import BuildSystem
from generate.families.debugging import Debugging
from generate.families.edge_cases import EdgeCases
from generate.families.feature_development import FeatureDevelopment
from generate.families.graphics import Graphics
from generate.families.new_actor import NewActor
from generate.families.optimization import Optimization
from generate.families.qa import QA
from generate.families.save_data import SaveData
from generate.families.version_migration import VersionMigration

FAMILIES: dict[str, Family] = {f.name: f for f in (
    QA(), ActorModification(), NewActor(), Audio(), Graphics(), SaveData(), BuildSystem(),
    VersionMigration(), Optimization(), EdgeCases(), Debugging(), FeatureDevelopment())}


def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown family {name!r}; families: {', '.join(FAMILIES)}") from None
