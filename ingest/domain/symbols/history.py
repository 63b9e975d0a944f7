"""Symbol lists from the checkout's own git history.

zeldaret/oot kept per-version disassembly lists in its tree (``tools/disasm/<version>/
functions.txt`` and ``variables.txt``) until each version matched and they were deleted
(2024-25). A full clone still holds them: this finds every path ending in
``<version>/functions.txt`` or ``<version>/variables.txt`` (``<version>`` a version of the
checkout) in the history of HEAD and reads the newest revision that held it (the parent of
the commit that deleted it). No commit id or path prefix is assumed.

Needs the ``git`` program and a checkout whose own top folder is the repository (a decomp
tree inside another repository, or a shallow clone, has no such history: the shipped copy
serves then). What was found is remembered per HEAD in the cache.

Interface: ``lists_in_history(root, versions, cache_dir, report)`` ->
``{(version, "functions" | "variables"): [RawSymbol]}``.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

from ingest.domain.symbols.lists import ListsReport, RawSymbol, read_disasm_text
from kg.persist import atomic_write

log = logging.getLogger(__name__)

LISTS = {"functions.txt": "Function", "variables.txt": "Global"}
_FORMAT = 2


def _git(root: Path, *args: str, timeout: float = 60) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=timeout, errors="replace"
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def history_revisions(root: Path, version_ids: list[str]) -> dict[str, tuple[str, str]] | None:
    """path -> (commit, date) of the newest revision of each list in HEAD's history, or None
    when the checkout has no usable history."""
    if shutil.which("git") is None or not (root / ".git").exists():
        return None
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top.strip()).resolve() != root.resolve():
        return None  # the checkout is a folder of another repository
    if (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
        return None
    out = _git(
        root, "log", "--format=@%H %cs", "--name-status", "HEAD", "--", *(f"*/{name}" for name in LISTS), timeout=300
    )
    if out is None:
        return None
    wanted = set(version_ids)
    found: dict[str, tuple[str, str]] = {}
    commit = date = ""
    for line in out.splitlines():
        if line.startswith("@"):
            commit, date = line[1:].split()
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        status, path = parts[0], parts[-1]
        folder = path.rsplit("/", 2)
        if len(folder) < 2 or path in found or folder[-2] not in wanted:
            continue
        if folder[-1] not in LISTS:
            continue
        if status.startswith("D"):  # deleted here: the revision before holds it
            parent = _git(root, "log", "-1", "--format=%H %cs", f"{commit}^")
            if parent is None or len(parent.split()) != 2:
                continue
            found[path] = tuple(parent.split())  # type: ignore[assignment]
        else:
            found[path] = (commit, date)
    return found


def read_history(root: Path, version_ids: list[str]) -> list[dict[str, str]] | None:
    """Each list found: version, list name, path, commit, date and text."""
    revs = history_revisions(root, version_ids)
    if revs is None:
        return None
    out = []
    for path, (commit, date) in sorted(revs.items()):
        text = _git(root, "show", f"{commit}:{path}")
        if text is None:
            continue
        folder, name = path.rsplit("/", 2)[-2:]
        out.append({"version": folder, "list": name, "path": path, "commit": commit, "date": date, "text": text})
    return out


def _cached(root: Path, version_ids: list[str], cache_dir: Path | None) -> list[dict[str, str]] | None:
    head = _git(root, "rev-parse", "HEAD") if (root / ".git").exists() else None
    if head is None:
        return None
    path = None
    if cache_dir is not None:
        path = cache_dir / "symbols" / f"history-{head.strip()[:16]}.json"
        try:
            got = json.loads(path.read_text())
            if got.get("format") == _FORMAT and got.get("versions") == sorted(version_ids):
                return got["lists"]
        except (OSError, ValueError, AttributeError):
            pass
    lists = read_history(root, version_ids)
    if lists is not None and path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"format": _FORMAT, "versions": sorted(version_ids), "lists": lists}))
    return lists


def lists_in_history(
    root: Path, versions: list[str], cache_dir: Path | None, report: ListsReport
) -> dict[tuple[str, str], list[RawSymbol]]:
    from ingest.checkout.checkout import Checkout

    try:
        ids = [v.id for v in Checkout(root).declared_versions()]
    except (OSError, ValueError):
        ids = list(versions)
    lists = _cached(root, ids, cache_dir)
    if not lists:
        return {}
    out: dict[tuple[str, str], list[RawSymbol]] = {}
    for item in lists:
        if item["version"] not in versions:
            continue
        rel = f"{item['version']}/{item['list']}"
        where = f"checkout history {item['commit'][:10]} ({item['date']}):{item['path']}"
        syms = read_disasm_text(item["text"], rel, item["version"], LISTS[item["list"]], report)
        for s in syms:
            s.provenance = where
        report.lists[rel] = len(syms)
        report.provenance[rel] = where
        out[(item["version"], item["list"][:-4])] = syms
    log.info("symbol lists from the checkout's history: %s", ", ".join(sorted(report.lists)))
    return out
