"""Level 2 on code, named constants: a table name (``ACTOR_EN_HORSE``), flag or constant of a
family the graph holds whole must exist in the version."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Any

from validate import rules
from validate.clex import Tok
from validate.index import SymbolIndex
from validate.ppcond import BUILD_MACROS
from validate.rules import Emit

# constant families -> the rule of a name of the family that does not exist, and its table
FAMILY_CODES = {
    "ACTOR_": (rules.UNKNOWN_ACTOR, "Actor"),
    "OBJECT_": (rules.UNKNOWN_OBJECT, "Object"),
    "SCENE_": (rules.UNKNOWN_SCENE, "Scene"),
    "NA_BGM_": (rules.UNKNOWN_SEQUENCE, "Sequence"),
    "NA_SE_": (rules.UNKNOWN_SFX, "Sfx"),
    "EFFECT_SS_": (rules.UNKNOWN_EFFECT, "EffectSs"),
    "ENTR_": (rules.UNKNOWN_ENTRANCE, "Entrance"),
}
FLAG_PREFIXES = ("EVENTCHKINF_", "INFTABLE_", "ITEMGETINF_", "EVENTINF_", "RANDOMIZER_INF_")
ALLCAPS = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


@lru_cache(maxsize=65536)
def is_allcaps(name: str) -> bool:
    return ALLCAPS.match(name) is not None


def families(idx: SymbolIndex) -> dict[str, int]:
    """How many names of the graph each constant family (``EVENTCHKINF_``...) has."""
    fam = idx.memo.get("families")
    if fam is None:
        fam = {}
        for n in (*idx.constants, *idx.defines, *(k for d in idx.domain.values() for k in d)):
            f = family(n)
            fam[f] = fam.get(f, 0) + 1
        idx.memo["families"] = fam
    return fam


def prefix_count(idx: SymbolIndex, prefix: str) -> int:
    """How many constants/defines/table names of the version start with ``prefix``."""
    counts = idx.memo.get("prefix_counts")
    if counts is None:
        counts = {}
        for n in (*idx.constants, *idx.defines, *(k for d in idx.domain.values() for k in d)):
            parts = n.split("_")
            for k in range(1, len(parts)):
                p = "_".join(parts[:k]) + "_"
                counts[p] = counts.get(p, 0) + 1
        idx.memo["prefix_counts"] = counts
    return counts.get(prefix, 0)


def family(name: str) -> str:
    for pre in FAMILY_CODES:
        if name.startswith(pre):
            return pre
    for pre in FLAG_PREFIXES:
        if name.startswith(pre):
            return pre
    return name.split("_", 1)[0] + "_"


class ConstantChecks:
    """Mixed into CodeChecker (which has the index, scope, counts and ``missing``)."""

    idx: SymbolIndex
    sc: Any
    emit: Emit
    counts: dict[str, int]
    trust_defines: bool
    missing: Any

    def families(self) -> dict[str, int]:
        return families(self.idx)

    def constant(self, t: Tok, prev: str, nxt: str) -> None:
        name = t.text
        sc, idx = self.sc, self.idx
        if name in sc.macros or name in sc.enum_consts or name in sc.vars or name in sc.funcs:
            return
        fam = family(name)
        code_kind = FAMILY_CODES.get(fam)
        if code_kind:
            code, kind = code_kind
            self.counts["ids"] += 1
            if name in idx.domain.get(kind, {}) or name in idx.constants or name in idx.defines:
                return
            if not idx.domain.get(kind):
                return  # the graph has no table of that kind: nothing to check against
            self.missing(name, code, kind.lower() if kind != "Sfx" else "sound effect", t.line, kind)
            return
        if name in idx.constants or name in idx.defines or name in BUILD_MACROS:
            self.counts["ids"] += 1
            return
        if (
            self.families().get(fam, 0) >= 8
            and (self.trust_defines or fam in FLAG_PREFIXES)
            and self._closed_family(name, fam)
        ):
            self.counts["ids"] += 1
            code = rules.UNKNOWN_FLAG if fam in FLAG_PREFIXES else rules.UNKNOWN_CONSTANT
            self.missing(name, code, "flag" if fam in FLAG_PREFIXES else "constant", t.line, "Constant")

    def _closed_family(self, name: str, fam: str) -> bool:
        """Whether the graph can know all of ``name``'s family: a flag family, a name whose
        own prefix (all but its last part) the graph has several of, or a near miss of a known
        name. Not a skeleton's limb enum: those come from headers generated from the asset
        XML, which the graph does not hold."""
        if "_LIMB_" in name or name.endswith("_LIMB_MAX"):
            return False
        if fam in FLAG_PREFIXES:
            return True
        parent = name.rsplit("_", 1)[0] + "_"
        if parent != fam and prefix_count(self.idx, parent) >= 3:
            return True
        sugg = self.idx.names_of("Constant").suggest(name, 1)
        return bool(sugg) and difflib.SequenceMatcher(None, name, sugg[0]).ratio() >= 0.9
