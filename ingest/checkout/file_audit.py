"""Which ``.c`` files under ``src/`` the run did not compile, and why.

After the C source has read every version's spec, ``audit_files`` looks at each ``.c`` under
``src/`` that no version of the run builds as a translation unit of its own and says why:

- ``included``: another file ``#include``s it (``z_en_ru1_cutscene_data.inc.c``), so it is
  compiled as part of that one and is in the graph through it;
- ``other-versions``: a version of the checkout this run did not ingest builds it (the
  reason names them and what they share: N64 only, iQue only, a debug ROM only ...);
- ``not-built``: the spec names it only under ``#if`` blocks no version meets (the line and
  the condition are given, e.g. ``#ifdef COMPILER_GCC``: a GCC build only);
- ``unexplained``: no spec line, Makefile rule or ``#include`` reaches it. Not in the graph,
  and the audit cannot say why: a file the build list may be missing.

And the errors: an object under ``src/`` that a version's spec links but that nothing makes
(no ``.c``, no ``.s``, no Makefile rule): part of the game the graph lacks (``missing``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel, Field

from ingest.checkout.checkout import Checkout
from ingest.checkout.spec import Mention, SpecInfo, read_spec, spec_mentions
from ingest.checkout.versions import VersionInfo

_INCLUDE_C = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+\.c)"', re.M)

# what a spec condition's macro means, for the reason text
_MACRO_MEANING = {
    "COMPILER_GCC": "a GCC build only (COMPILER=gcc; not part of any game version)",
    "NON_MATCHING": "a non-matching build only",
    "PLATFORM_N64": "N64 versions only",
    "PLATFORM_GC": "GameCube versions only",
    "PLATFORM_IQUE": "iQue versions only",
    "DEBUG_FEATURES": "debug builds only",
}


class AuditedFile(BaseModel):
    path: str
    status: str = Field(description="included | other-versions | not-built | unexplained | missing")
    reason: str
    versions: list[str] = Field(default_factory=list, description="versions of the checkout that build it")


class FileAudit(BaseModel):
    source_files: int = 0  # .c files under src/
    built: int = 0  # of those, compiled as their own TU by a version of the run
    files: list[AuditedFile] = Field(default_factory=list)

    def by_status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            out[f.status] = out.get(f.status, 0) + 1
        return out

    @property
    def errors(self) -> list[AuditedFile]:
        return [f for f in self.files if f.status == "missing"]

    def summary(self) -> str:
        counts = self.by_status()
        unbuilt = sum(n for s, n in counts.items() if s != "missing")
        parts = [f"{self.built} of {self.source_files} src/ .c files compiled"]
        if unbuilt:
            parts.append(
                f"{unbuilt} not on their own ("
                + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "missing")
                + ")"
            )
        if counts.get("missing"):
            parts.append(f"{counts['missing']} linked objects nothing makes (error)")
        return "; ".join(parts)


def _c_files(root: Path) -> list[str]:
    out = []
    for dirpath, _, names in os.walk(root / "src"):
        for n in names:
            if n.endswith(".c"):
                out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(out)


def _includers(root: Path, files: list[str]) -> dict[str, list[str]]:
    """.c file -> the files under src/ that #include it (by the include's own path, from the
    includer's folder, the checkout, src/ or include/)."""
    out: dict[str, list[str]] = {}
    for dirpath, _, names in os.walk(root / "src"):
        for n in names:
            if not n.endswith((".c", ".h")):
                continue
            p = Path(dirpath) / n
            try:
                text = p.read_text(errors="replace")
            except OSError:
                continue
            if '.c"' not in text:
                continue
            rel = os.path.relpath(p, root)
            for inc in _INCLUDE_C.findall(text):
                for base in (p.parent, root, root / "src", root / "include"):
                    cand = (base / inc).resolve()
                    if cand.is_file() and cand.is_relative_to(root):
                        out.setdefault(os.path.relpath(cand, root), []).append(rel)
                        break
    return out


def _versions_phrase(builders: list[VersionInfo]) -> str:
    ids = ", ".join(v.id for v in builders)
    for value, words in (("N64", "N64"), ("IQUE", "iQue"), ("GC", "GameCube")):
        if all(v.platform.upper() == value for v in builders):
            return f"{words} only: {ids}"
    if all(v.debug for v in builders):
        return f"debug ROMs only: {ids}"
    return ids


def _condition_phrase(mentions: list[Mention]) -> str:
    m = mentions[0]
    if not m.conds:
        return f"{m.where}"
    cond = m.conds[-1]
    words = [w for w in re.findall(r"[A-Z_][A-Z0-9_]+", cond.split(": ", 1)[-1]) if w in _MACRO_MEANING]
    meaning = f": {_MACRO_MEANING[words[0]]}" if words else ""
    return f"{m.where}, under `{cond.split(': ', 1)[-1]}` ({cond.split(': ', 1)[0]}){meaning}"


def audit_files(checkout: Checkout, specs: dict[str, SpecInfo], cache_dir: Path | None = None) -> FileAudit:
    """``specs``: the run's versions' specs. The other versions' specs are read too (cached)
    to tell which of them build a file the run did not."""
    root = checkout.root
    files = _c_files(root)
    built = {t.path for s in specs.values() for t in s.tus}
    audit = FileAudit(source_files=len(files), built=sum(1 for f in files if f in built))
    everyone = checkout.declared_versions()
    other: dict[str, list[VersionInfo]] = {}
    unbuilt = [f for f in files if f not in built]
    if unbuilt:
        for v in everyone:
            if v.id in specs:
                continue
            for t in read_spec(checkout, v, cache_dir).tus:
                other.setdefault(t.path, []).append(v)
    includers = _includers(root, unbuilt) if unbuilt else {}
    mentions = spec_mentions(checkout) if unbuilt else {}
    for f in unbuilt:
        if f in other:
            builders = other[f]
            audit.files.append(
                AuditedFile(
                    path=f,
                    status="other-versions",
                    versions=[v.id for v in builders],
                    reason=f"built by versions this run did not ingest ({_versions_phrase(builders)})",
                )
            )
        elif f in includers:
            by = sorted(set(includers[f]))
            note = "" if any(b in built for b in by) else ("; none of them is built by this run's versions")
            audit.files.append(
                AuditedFile(path=f, status="included", reason=f"compiled as part of {', '.join(by)} (#include){note}")
            )
        elif f in mentions:
            audit.files.append(
                AuditedFile(
                    path=f,
                    status="not-built",
                    reason=f"named by the spec only where no version builds it: {_condition_phrase(mentions[f])}",
                )
            )
        else:
            audit.files.append(
                AuditedFile(
                    path=f,
                    status="unexplained",
                    reason="no spec line, Makefile rule or #include reaches it, so it is not in the "
                    "graph; if it is part of the game, the build list ootkg read is "
                    "incomplete",
                )
            )
    missing: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    for vid, s in specs.items():
        for u in s.unresolved:
            missing.setdefault(u.path, []).append(vid)
            where[u.path] = f"segment {u.segment}" + (f", through {u.via}" if u.via else "")
    for obj, vids in sorted(missing.items()):
        audit.files.append(
            AuditedFile(
                path=obj,
                status="missing",
                versions=vids,
                reason=f"the spec links it ({where[obj]}) but no {obj[:-2]}.c, {obj[:-2]}.s or "
                "Makefile rule makes it: its code is not in the graph",
            )
        )
    return audit
