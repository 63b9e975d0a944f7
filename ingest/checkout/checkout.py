"""A decomp checkout and the game versions it defines.

Interface (used by ingest, tables, validation):

    co = Checkout.open(path)          # CheckoutError (a UserError-style message) if not a decomp
    co.root                           # Path
    co.versions() -> list[VersionInfo]  # ordered by ordinal (include/versions.h build order)
    co.declared_versions()            # the same without the libclang-derived flags (cheap)
    co.version(id) -> VersionInfo     # CheckoutError listing the valid ids if unknown
    co.commit() -> str | None         # from .git metadata, no git binary needed

Nothing is hard-coded: version ids come from ``baseroms/<id>/``, their ordinal
and macro name from ``include/versions.h`` (``#define GC_EU_MQ_DBG 11``), the
build settings (platform, region, debug features, revision, build stamp) from
the Makefile's ``ifeq ($(VERSION),<id>)`` blocks, and PAL/MQ/debug-assets from
evaluating ``versions.h`` itself with each version's defines.
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from pathlib import Path

from ingest.checkout.flags import evaluate_macros
from ingest.checkout.versions import VersionInfo, version_macro

log = logging.getLogger(__name__)

DEFAULT_VERSION = "gc-eu-mq-dbg"


class CheckoutError(ValueError):
    """The path is not a usable decomp checkout, or a version id is unknown."""


_DEFINE_NUM = re.compile(r"^\s*#\s*define\s+([A-Z][A-Z0-9_]*)\s+(\d+)\s*(?://.*)?$", re.M)
_IFEQ = re.compile(r"^\s*(?:else\s+)?ifeq\s+\(\$\(VERSION\),\s*([^)\s]+)\)\s*$")
_ASSIGN = re.compile(r"^\s*([A-Z_][A-Z0-9_]*)\s*(?:\?=|:=|=)\s*(.*?)\s*$")


def parse_makefile_versions(text: str) -> dict[str, dict[str, str]]:
    """Variables assigned inside each ``ifeq ($(VERSION),x)`` branch of a Makefile."""
    out: dict[str, dict[str, str]] = {}
    current: str | None = None
    depth = 0
    for line in text.splitlines():
        m = _IFEQ.match(line)
        if m and (depth == 0 or (current is not None and line.strip().startswith("else"))):
            current = m.group(1)
            out.setdefault(current, {})
            depth = 1
            continue
        if current is None:
            continue
        s = line.strip()
        if s.startswith(("ifeq", "ifneq", "ifdef", "ifndef")):
            depth += 1
        elif s == "endif":
            depth -= 1
            if depth == 0:
                current = None
        elif s == "else" and depth == 1:
            current = None
            depth = 0
        elif depth == 1:
            a = _ASSIGN.match(line)
            if a:
                out[current][a.group(1)] = a.group(2)
    return out


def _guess_settings(version_id: str) -> dict[str, str]:
    """Fallback when the Makefile has no block for a version: read it off the id."""
    parts = version_id.split("-")
    platform = {"gc": "GC", "ique": "IQUE"}.get(parts[0], "N64")
    region = "EU" if ("eu" in parts or parts[0] == "pal") else ("US" if "us" in parts else "JP")
    return {
        "PLATFORM": platform,
        "REGION": region,
        "DEBUG_FEATURES": "1" if "dbg" in parts else "0",
        "REVISION": "15" if platform == "GC" else "0",
    }


class Checkout:
    """A zeldaret/oot work tree (read-only: nothing is ever written into it)."""

    REQUIRED = ("include/versions.h", "spec", "src", "include", "baseroms")

    def __init__(self, root: Path) -> None:
        self.root = root
        self._derived: set[str] = set()

    @classmethod
    def open(cls, path: str | Path) -> Checkout:
        root = Path(path).expanduser()
        if not root.is_dir():
            raise CheckoutError(
                f"{root} is not a directory. Point --decomp at a checkout of "
                "zeldaret/oot (git clone https://github.com/zeldaret/oot)."
            )
        root = root.resolve()
        missing = [p for p in cls.REQUIRED if not (root / p).exists()]
        if not missing and not any(p.is_dir() for p in (root / "baseroms").iterdir()):
            missing.append("baseroms/<version>/ folders")
        if missing:
            raise CheckoutError(
                f"{root} does not look like a zeldaret/oot checkout: missing "
                f"{', '.join(missing)}. Point --decomp at the top folder of the decomp "
                "(the one holding include/, src/, spec/ and baseroms/)."
            )
        co = cls(root)
        if not co._versions:
            raise CheckoutError(
                f"{root}: no version in baseroms/ is defined in include/versions.h; is the checkout complete?"
            )
        return co

    @property
    def spec_path(self) -> Path:
        spec = self.root / "spec"
        return spec / "spec" if spec.is_dir() else spec

    def _makefile_settings(self) -> dict[str, dict[str, str]]:
        mk = self.root / "Makefile"
        if not mk.is_file():
            return {}
        return parse_makefile_versions(mk.read_text(errors="replace"))

    @cached_property
    def _versions(self) -> list[VersionInfo]:
        numbers = {
            m.group(1): int(m.group(2))
            for m in _DEFINE_NUM.finditer((self.root / "include/versions.h").read_text(errors="replace"))
        }
        make = self._makefile_settings()
        found: list[VersionInfo] = []
        for d in sorted(p for p in (self.root / "baseroms").iterdir() if p.is_dir()):
            vid = d.name
            macro = version_macro(vid)
            if macro not in numbers:
                log.warning("baseroms/%s has no %s in include/versions.h; skipped", vid, macro)
                continue
            settings = make.get(vid) or _guess_settings(vid)
            found.append(
                VersionInfo(
                    id=vid,
                    name=macro,
                    ordinal=numbers[macro],
                    platform=settings.get("PLATFORM", "N64"),
                    region=settings.get("REGION", "JP"),
                    debug=settings.get("DEBUG_FEATURES", "0") == "1",
                    revision=settings.get("REVISION", "0"),
                    is_default=vid == DEFAULT_VERSION,
                    make=settings,
                )
            )
        found.sort(key=lambda v: v.ordinal)
        if found and not any(v.is_default for v in found):
            found[-1].is_default = True
        return found

    def _derive_flags(self, versions: list[VersionInfo]) -> list[VersionInfo]:
        """OOT_PAL, OOT_MQ, DEBUG_ASSETS as include/versions.h computes them for each version
        (a libclang evaluation per version, so only for the versions asked for)."""
        todo = [v for v in versions if v.id not in self._derived]
        if todo:
            for v in todo:
                vals = evaluate_macros(self.root, v, ["OOT_PAL", "OOT_MQ", "DEBUG_ASSETS"])
                v.pal = bool(vals.get("OOT_PAL", 0))
                v.mq = bool(vals.get("OOT_MQ", 0))
                v.debug_assets = bool(vals.get("DEBUG_ASSETS", 0))
                self._derived.add(v.id)
        return versions

    def versions(self) -> list[VersionInfo]:
        return self._derive_flags(list(self._versions))

    def declared_versions(self) -> list[VersionInfo]:
        """Every version, without the flags only libclang can derive (pal, mq, debug_assets):
        what the Makefile and versions.h say is enough to read a version's spec."""
        return list(self._versions)

    def version(self, version_id: str) -> VersionInfo:
        for v in self._versions:
            if v.id == version_id:
                return self._derive_flags([v])[0]
        raise CheckoutError(
            f"unknown version {version_id!r}; this checkout defines: {', '.join(v.id for v in self._versions)}"
        )

    def select(self, ids: list[str] | None) -> list[VersionInfo]:
        """The versions named (all when ``ids`` is empty), in build order."""
        if not ids:
            return self.versions()
        wanted = {self.version(i).id for i in ids}
        return [v for v in self._versions if v.id in wanted]  # derived by version()

    def commit(self) -> str | None:
        """HEAD's commit from .git metadata (worktrees, packed refs), or None without git."""
        git = self.root / ".git"
        try:
            if git.is_file():  # worktree / submodule: "gitdir: <path>"
                ref = git.read_text().strip()
                if not ref.startswith("gitdir:"):
                    return None
                git = (self.root / ref.split(":", 1)[1].strip()).resolve()
            head = (git / "HEAD").read_text().strip()
        except OSError:
            return None
        if not head.startswith("ref:"):
            return head or None
        ref = head.split(":", 1)[1].strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text().strip()).resolve()
        for base in (git, common):
            p = base / ref
            if p.is_file():
                return p.read_text().strip() or None
        for base in (git, common):
            packed = base / "packed-refs"
            if packed.is_file():
                for line in packed.read_text().splitlines():
                    if line.endswith(" " + ref):
                        return line.split()[0]
        return None
