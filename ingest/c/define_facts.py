"""``Define`` facts from the define scan (``ingest.c.defines``) and each version's probe: which
definition of a macro each version compiles (``ingest.c.assemble`` calls this)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.c import defines as c_defines
from ingest.c.profiles import rep_version
from kg.facts import Facts

if TYPE_CHECKING:
    from ingest.c.records import VersionData


def _sha(path: Path) -> str | None:
    import hashlib

    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return None


def define_facts(
    facts: Facts,
    data: list[VersionData],
    dscan: c_defines.DefineScan,
    def_vals: dict[str, dict[str, int]],
    files: dict[str, dict[str, Any]],
    file_versions: dict[str, set[str]],
    order_ids: list[str],
    root: Path | None,
    only: set[str] | None = None,
) -> None:
    """A Define per macro name; IN_VERSION to each version where a definition of it is active
    (its #if branches hold there, and its file is compiled there), with the version's integer
    value and, when it differs from the node's, the version's body (``text``).

    A name defined differently by several .c files (``FLAGS`` of each actor) gets no
    body/file on its node: which one applies depends on the file."""
    vids = [d.v.id for d in data]
    truth = {d.v.id: d.defines for d in data}
    for name, sites in dscan.sites.items():
        if only is not None and name not in only:
            continue
        per: dict[str, c_defines.DefineSite] = {}
        for vid in vids:
            cands = [s for s in sites if s.file not in file_versions or vid in file_versions[s.file]]
            s = c_defines.active(cands, truth[vid])
            if s is not None:
                per[vid] = s
        if not per:
            continue
        vals = def_vals.get(name, {})
        rep_vid = rep_version(per, order_ids)
        rep = per[rep_vid]
        ambiguous = (
            all(s.file.endswith(".c") for s in sites)
            and len({s.file for s in sites}) > 1
            and len({(s.params, s.body) for s in sites}) > 1
        )
        if ambiguous:
            facts.node("Define", name=name, value=vals.get(rep_vid), function_like=rep.function_like)
        else:
            facts.node(
                "Define",
                name=name,
                value=vals.get(rep_vid),
                body=rep.body,
                params=rep.params,
                function_like=rep.function_like,
                file=rep.file,
                line=rep.line,
            )
            facts.rel("DEFINED_IN", name, rep.file, from_kind="Define", to_kind="File", line=rep.line)
            if rep.file not in files:
                files[rep.file] = {
                    "path": rep.file,
                    "sha": _sha(root / rep.file) if root else None,
                    "kind": "h" if rep.file.endswith(".h") else "c",
                    "segment": None,
                    "errors": 0,
                    "warnings": 0,
                    "diag": [],
                }
        # per-version body/site only for a macro with several definitions (independent of
        # which versions are ingested together)
        several = len(sites) > 1 and not ambiguous
        for vid, s in per.items():
            facts.rel(
                "IN_VERSION",
                name,
                vid,
                from_kind="Define",
                to_kind="Version",
                value=vals.get(vid),
                text=s.body if several else None,
                file=s.file if several else None,
                line=s.line if several else None,
            )
