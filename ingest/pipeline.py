"""The ingest pipeline: checkout -> sources -> one Facts bundle -> store.replace_graph.

Interface for other sources (tables, assets, symbols, map files, concepts):

    from ingest.pipeline import IngestContext, Source, register_source

    def tables_source(ctx: IngestContext) -> Facts: ...
    register_source(Source("tables", tables_source))        # or list it in DEFAULT_SOURCES

``IngestContext`` carries the checkout, the selected versions (``VersionInfo``),
the cache dir, a progress callback ``ctx.progress(task, done, total)``, the C
facts already extracted (``ctx.c_facts``, so a later source can check that a
name exists), the registered map files (``ctx.maps``: ``MapInput(path,
version)``) and the concepts dir (``ctx.concepts_dir``; None = built-in).
Sources run in order (the C code first); their facts are merged (``Facts``
merges by key), dangling edges are pruned and reported, an ``IngestRun`` node is
added and the store is replaced atomically with ``store.replace_graph(facts)``.

``DEFAULT_SOURCES`` names sources as "module:function"; a module that is not
there (yet) is skipped with a log line, so each team member adds a line here
and a function in their own module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ingest.checkout import Checkout, VersionInfo
from kg.facts import Facts

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]


class MapInput(BaseModel):
    path: Path
    version: str
    sha: str = ""


@dataclass
class IngestContext:
    checkout: Checkout
    versions: list[VersionInfo]
    cache_dir: Path
    progress: ProgressFn = lambda task, done, total: None
    c_facts: Facts | None = None
    # everything the earlier sources produced, merged (the concepts source checks names in it)
    facts: Facts | None = None
    maps: list[MapInput] = field(default_factory=list)
    concepts_dir: Path | None = None
    jobs: int = 2
    use_pch: bool = True
    # per-source notes for the summary (e.g. {"tables": "471 actors"})
    notes: dict[str, str] = field(default_factory=dict)
    # per-file diagnostics, failed files: filled by the C source
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class Source:
    name: str
    fn: Callable[[IngestContext], Facts] | str  # a callable or "module:function"

    def resolve(self) -> Callable[[IngestContext], Facts] | None:
        if callable(self.fn):
            return self.fn
        mod_name, _, fn_name = self.fn.partition(":")
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as e:
            if e.name and mod_name.startswith(e.name):
                log.info("source %s: module %s not present; skipped", self.name, mod_name)
                return None
            raise
        fn = getattr(mod, fn_name, None)
        if fn is None:
            log.info("source %s: %s has no %s; skipped", self.name, mod_name, fn_name)
        return fn


# The C code comes first: later sources see ctx.c_facts.
DEFAULT_SOURCES: list[Source] = [
    Source("c", "ingest.c_facts:c_source"),
    Source("tables", "ingest.tables:tables_source"),
    Source("assets", "ingest.assets_xml:assets_source"),
    # segments.csv, config.yml, symbol lists and map files together: conflicts between
    # sources and symbol extents need all of a version's addresses at once.
    Source("addresses", "ingest.addresses:addresses_source"),
    Source("concepts", "ingest.concepts:concepts_source"),
]
_EXTRA_SOURCES: list[Source] = []


def register_source(source: Source) -> None:
    """Add a source after the defaults (replacing one of the same name)."""
    global _EXTRA_SOURCES
    _EXTRA_SOURCES = [s for s in _EXTRA_SOURCES if s.name != source.name] + [source]


def sources() -> list[Source]:
    extra = {s.name: s for s in _EXTRA_SOURCES}
    out = [extra.pop(s.name, s) for s in DEFAULT_SOURCES]
    return out + list(extra.values())


# --- map files a user registered (remembered in the cache so later runs include them) ---

def _maps_registry(cache_dir: Path) -> Path:
    return cache_dir / "maps.json"


def registered_maps(cache_dir: Path) -> list[MapInput]:
    p = _maps_registry(cache_dir)
    if not p.is_file():
        return []
    try:
        return [MapInput(**m) for m in json.loads(p.read_text())]
    except (ValueError, TypeError):
        log.warning("%s unreadable; ignoring registered map files", p)
        return []


def register_map(cache_dir: Path, path: Path, version: str) -> MapInput:
    path = path.resolve()
    sha = hashlib.sha1(path.read_bytes()).hexdigest()
    maps = [m for m in registered_maps(cache_dir) if not (m.version == version)]
    m = MapInput(path=path, version=version, sha=sha)
    maps.append(m)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = _maps_registry(cache_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps([json.loads(x.model_dump_json()) for x in maps], indent=1))
    tmp.replace(_maps_registry(cache_dir))
    return m


# --- the run ---

class SourceReport(BaseModel):
    name: str
    seconds: float
    nodes: int
    rels: int
    skipped: bool = False
    note: str = ""


class IngestReport(BaseModel):
    run_id: str
    decomp_commit: str | None
    versions: list[str]
    seconds: float
    counts: dict[str, int]
    sources: list[SourceReport]
    dangling: dict[str, int]
    per_version: list[dict[str, Any]] = []
    failed_files: list[dict[str, Any]] = []
    diagnostics: int = 0
    partial: bool = False
    unchanged: bool = False


def _ootkg_version() -> str:
    try:
        from importlib.metadata import version

        return version("ootkg")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "0"


_FINGERPRINT_DIRS = ("src", "include", "spec", "baseroms", "assets/xml", "tools/disasm")


def input_fingerprint(checkout: Checkout, versions: list[VersionInfo], maps: list[MapInput],
                      concepts_dir: Path | None, only_sources: list[str] | None) -> str:
    """A hash of everything an ingest reads (file sizes and mtimes, ootkg's own code, options):
    equal fingerprints mean a rerun would produce the same graph."""
    import os

    h = hashlib.sha1()
    h.update(json.dumps([[v.id for v in versions], [m.model_dump(mode="json") for m in maps],
                         str(concepts_dir), only_sources, _ootkg_version()]).encode())
    roots = [checkout.root / d for d in _FINGERPRINT_DIRS]
    roots += [Path(__file__).parent, Path(__file__).parent.parent / "kg"]
    if concepts_dir is not None:
        roots.append(concepts_dir)
    for f in (checkout.root / "Makefile",):
        if f.is_file():
            st = f.stat()
            h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}".encode())
    for root in roots:
        for dirpath, dirnames, names in os.walk(root):
            dirnames.sort()
            for n in sorted(names):
                try:
                    st = os.stat(os.path.join(dirpath, n))
                except OSError:
                    continue
                h.update(f"{dirpath}/{n}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _last_run_path(cache_dir: Path) -> Path:
    return cache_dir / "last_run.json"


def _unchanged(cache_dir: Path, fingerprint: str, store_factory: Callable[[], Any] | None
               ) -> dict[str, Any] | None:
    p = _last_run_path(cache_dir)
    try:
        last = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    if last.get("fingerprint") != fingerprint or store_factory is None:
        return None
    try:
        with store_factory() as store:
            rows = store.run("MATCH (r:IngestRun {id: $id}) RETURN r.id AS id",
                             {"id": last.get("run_id")})
    except Exception:  # noqa: BLE001 - no graph yet, or another one: ingest again
        return None
    return last if rows else None


def run_ingest(checkout: Checkout, versions: list[VersionInfo], cache_dir: Path,
               store_factory: Callable[[], Any] | None, *, progress: ProgressFn | None = None,
               maps: list[MapInput] | None = None, concepts_dir: Path | None = None,
               jobs: int = 2, only_sources: list[str] | None = None, use_pch: bool = True,
               force: bool = False) -> tuple[IngestReport, Facts]:
    """Run every source, merge, and (when ``store_factory`` is given) replace the graph.

    When nothing an ingest reads changed since the last run that built the current graph,
    returns at once with ``report.unchanged`` (``force`` rebuilds anyway)."""
    t0 = time.perf_counter()
    maps = maps if maps is not None else registered_maps(cache_dir)
    fingerprint = input_fingerprint(checkout, versions, maps, concepts_dir, only_sources)
    last = None if force else _unchanged(cache_dir, fingerprint, store_factory)
    if last is not None:
        return IngestReport(run_id=last["run_id"], decomp_commit=last.get("decomp_commit"),
                            versions=[v.id for v in versions],
                            seconds=round(time.perf_counter() - t0, 3),
                            counts=last.get("counts", {}), sources=[], dangling={},
                            unchanged=True), Facts()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    cache_dir.mkdir(parents=True, exist_ok=True)
    ctx = IngestContext(checkout=checkout, versions=versions, cache_dir=cache_dir,
                        progress=progress or (lambda *_: None),
                        maps=maps, concepts_dir=concepts_dir, jobs=jobs, use_pch=use_pch)
    facts = Facts()
    reports: list[SourceReport] = []
    for src in sources():
        if only_sources and src.name not in only_sources:
            continue
        fn = src.resolve()
        if fn is None:
            reports.append(SourceReport(name=src.name, seconds=0, nodes=0, rels=0, skipped=True))
            continue
        ts = time.perf_counter()
        ctx.facts = facts
        got = fn(ctx)
        if src.name == "c":
            ctx.c_facts = got
        n_nodes = sum(len(v) for v in got.nodes.values())
        n_rels = sum(len(v) for v in got.rels.values())
        facts.merge(got) if len(facts) else _adopt(facts, got)
        reports.append(SourceReport(name=src.name, seconds=round(time.perf_counter() - ts, 2),
                                    nodes=n_nodes, rels=n_rels, note=ctx.notes.get(src.name, "")))
    # Version nodes first: every IN_VERSION/LOCATED_AT edge ends at one (pruning before
    # they exist would drop them all).
    for v in versions:
        facts.node("Version", id=v.id, name=v.name, platform=v.platform, region=v.region,
                   mq=v.mq, debug=v.debug, ordinal=v.ordinal, revision=v.revision,
                   is_default=v.is_default)
    dropped = facts.prune_dangling()
    for rel_type, rows in dropped.items():
        log.info("dropped %d %s edges whose ends were not ingested (e.g. %s)", len(rows),
                 rel_type, rows[0])
    commit = checkout.commit()
    counts = {k: n for k, n in sorted(facts.counts().items())}
    run_id = hashlib.sha1(json.dumps([commit, [v.id for v in versions], counts],
                                     sort_keys=True).encode()).hexdigest()[:16]
    seconds = time.perf_counter() - t0
    facts.node("IngestRun", id=run_id, decomp_commit=commit, versions=[v.id for v in versions],
               started=started, duration=round(seconds, 2), counts=json.dumps(counts),
               ootkg_version=_ootkg_version(),
               sources=[r.name for r in reports if not r.skipped])
    if store_factory is not None:
        with store_factory() as store:
            store.replace_graph(facts)
        tmp = _last_run_path(cache_dir).with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "run_id": run_id,
                                   "decomp_commit": commit, "counts": counts}))
        tmp.replace(_last_run_path(cache_dir))
    report = IngestReport(
        run_id=run_id, decomp_commit=commit, versions=[v.id for v in versions],
        seconds=round(time.perf_counter() - t0, 2), counts=counts, sources=reports,
        dangling={k: len(v) for k, v in dropped.items()},
        per_version=ctx.stats.get("per_version", []),
        failed_files=ctx.stats.get("failed_files", []),
        diagnostics=ctx.stats.get("diagnostics", 0),
        partial=bool(ctx.stats.get("failed_files")))
    return report, facts


def _adopt(into: Facts, got: Facts) -> None:
    """First bundle: take its rows as they are (merging row by row costs seconds at 500k rows)."""
    into.nodes.update(got.nodes)
    into.rels.update(got.rels)
    into._checked |= got._checked
