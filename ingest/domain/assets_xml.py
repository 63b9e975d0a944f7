"""Asset XML (``assets/xml/**``): objects, scenes, rooms and their named assets, per version.

Each ``<Root>`` file holds ``<File Name=... Segment=...>`` elements (one per ROM segment:
an object, a scene, a room...) whose children are the assets (Texture, DList, Skeleton,
Limb, Animation, Collision, ...), some wrapped in ``<Version Pattern="regex">`` blocks that
exist only in the versions the pattern matches. Which XML a version uses comes from its
``baseroms/<v>/config.yml`` ``assets`` list (e.g. ``spot00_pal_n64.xml`` for PAL N64).

An asset without ``Offset`` (or with ``Offset=".+0x8"``) follows the previous one: its
offset is computed from the previous asset's size where that size is known from the XML
(textures, display lists with ``Length``, arrays, blobs, limbs, skeletons); otherwise it is
left unknown rather than guessed. Audio XMLs (Sequence/SoundFont/SampleBank roots) are not
assets and are skipped. A malformed file is reported with its line and column, and the
last good copy of it (``LastGood``, kept in the cache) stands in for it, so a truncated or
half-edited XML never drops the assets it held.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingest.domain.last_good import LastGood
from ingest.sourceutil import gc_paused, save_report
from kg.facts import Facts

log = logging.getLogger(__name__)

# Bits per texel of each N64 texture format.
_TEXEL_BITS = {"rgba32": 32, "rgba16": 16, "ia16": 16, "ia8": 8, "ia4": 4, "i8": 8, "i4": 4, "ci8": 8, "ci4": 4}
_LIMB_SIZE = {"Standard": 0xC, "LOD": 0x10, "Skin": 0x10, "Curve": 0x8, "Legacy": 0x20}
_SKELETON_SIZE = {"Normal": 0x8, "Flex": 0xC, "Curve": 0x8}
_SCALAR_SIZE = {"s8": 1, "u8": 1, "s16": 2, "u16": 2, "s32": 4, "u32": 4, "f32": 4, "s64": 8, "u64": 8, "f64": 8}
_FIXED_SIZE = {
    "Collision": None,
    "Animation": 0x10,
    "PlayerAnimation": 0x8,
    "Mtx": 0x40,
    "LegacyAnimation": None,
    "CurveAnimation": 0x10,
}
_CORE_ATTRS = {"Name", "Offset", "Format", "Width", "Height", "Count", "Length", "Size"}


class XmlProblem(BaseModel):
    file: str
    line: int | None = None
    column: int | None = None
    message: str

    def where(self) -> str:
        return self.file + "".join(f":{n}" for n in (self.line, self.column) if n is not None)


class AssetsReport(BaseModel):
    files: int = 0
    asset_files: int = 0
    assets: int = 0
    objects_linked: int = 0
    scenes_linked: int = 0
    rooms: int = 0
    problems: list[XmlProblem] = Field(default_factory=list)
    unowned_files: list[str] = Field(default_factory=list)


@dataclass
class XmlAsset:
    name: str
    kind: str
    attrs: dict[str, str]
    pattern: str | None  # the enclosing <Version Pattern>, if any
    children: list[ET.Element] = field(default_factory=list)


@dataclass
class XmlFile:
    name: str
    segment: int | None
    xml_path: str
    assets: list[XmlAsset]


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text, 0)
    except ValueError:
        return None


def _array_elem_size(children: list[ET.Element]) -> int | None:
    if not children:
        return None
    c = children[0]
    if c.tag == "Vtx":
        return 0x10
    if c.tag == "Vector":
        s = _SCALAR_SIZE.get(c.get("Type", ""))
        dims = _int(c.get("Dimensions"))
        return s * dims if s and dims else None
    if c.tag == "Scalar":
        return _SCALAR_SIZE.get(c.get("Type", ""))
    return None


def asset_size(a: XmlAsset) -> int | None:
    """The asset's size in bytes when the XML alone determines it, else None."""
    k, at = a.kind, a.attrs
    if k == "Texture":
        bits = _TEXEL_BITS.get(at.get("Format", "").lower())
        w, h = _int(at.get("Width")), _int(at.get("Height"))
        return bits * w * h // 8 if bits and w and h else None
    if k == "DList":
        n = _int(at.get("Length"))
        return n * 8 if n else None
    if k == "Array":
        n, es = _int(at.get("Count")), _array_elem_size(a.children)
        return n * es if n and es else None
    if k == "Blob":
        return _int(at.get("Size"))
    if k == "Limb":
        return _LIMB_SIZE.get(at.get("LimbType", ""))
    if k == "Skeleton":
        return _SKELETON_SIZE.get(at.get("Type", ""))
    if k == "LimbTable":
        n = _int(at.get("Count"))
        return n * 4 if n else None
    return _FIXED_SIZE.get(k)


def parse_xml_file(path: Path, rel: str) -> tuple[list[XmlFile], list[XmlProblem]]:
    """The <File> elements of one XML (empty for audio XMLs); problems instead of exceptions."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line, col = e.position
        return [], [
            XmlProblem(file=rel, line=line, column=col + 1, message=f"malformed XML: {str(e).split(':', 1)[0]}")
        ]
    except OSError as e:
        return [], [XmlProblem(file=rel, message=f"cannot read: {e}")]
    if root.tag != "Root":
        return [], []
    files: list[XmlFile] = []
    problems: list[XmlProblem] = []
    for f in root:
        if f.tag != "File":
            continue
        name = f.get("Name")
        if not name:
            problems.append(XmlProblem(file=rel, message="<File> without a Name attribute, skipped"))
            continue
        seg = _int(f.get("Segment"))
        assets: list[XmlAsset] = []
        _take(f, None, name, rel, assets, problems)
        files.append(XmlFile(name=name, segment=seg, xml_path=rel, assets=assets))
    return files, problems


def _take(
    elem: ET.Element, pattern: str | None, file_name: str, rel: str, assets: list[XmlAsset], problems: list[XmlProblem]
) -> None:
    """The assets under ``elem``, descending into <Version Pattern> blocks."""
    for child in elem:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "Version":
            pat = child.get("Pattern")
            if pat is None:
                problems.append(XmlProblem(file=rel, message=f"{file_name}: <Version> without Pattern"))
                continue
            try:
                re.compile(pat)
            except re.error as e:
                problems.append(XmlProblem(file=rel, message=f"{file_name}: bad Version Pattern {pat!r}: {e}"))
                continue
            _take(child, pat if pattern is None else f"{pattern}&{pat}", file_name, rel, assets, problems)
            continue
        aname = child.get("Name")
        if not aname:
            problems.append(XmlProblem(file=rel, message=f"{file_name}: <{child.tag}> without Name, skipped"))
            continue
        assets.append(XmlAsset(aname, child.tag, dict(child.attrib), pattern, list(child)))


def _matches(pattern: str | None, version: str) -> bool:
    if pattern is None:
        return True
    return all(re.fullmatch(p, version) for p in pattern.split("&"))


def layout(assets: list[XmlAsset]) -> list[tuple[XmlAsset, int | None]]:
    """Offsets of the assets present together: explicit, or following the previous one."""
    out: list[tuple[XmlAsset, int | None]] = []
    prev_end: int | None = None
    for a in assets:
        raw = a.attrs.get("Offset")
        if raw is None:
            off = prev_end
        elif raw.startswith(".+"):
            delta = _int(raw[2:])
            off = prev_end + delta if prev_end is not None and delta is not None else None
        else:
            off = _int(raw)
        size = asset_size(a)
        prev_end = off + size if off is not None and size is not None else None
        out.append((a, off))
    return out


_XML_PATH = re.compile(r"""^[ \t-]*xml_path:[ \t]*["']?([^"'\s#]+)""", re.M)


def version_xmls(checkout: Path, versions: list[str]) -> dict[str, set[str]]:
    """xml_path -> versions that use it, from the ``assets`` list of baseroms/<v>/config.yml
    (read as lines: the list has ~550 entries, and a YAML parse of it costs 30 ms a file)."""
    used: dict[str, set[str]] = defaultdict(set)
    for v in versions:
        cfg = checkout / "baseroms" / v / "config.yml"
        if not cfg.is_file():
            continue
        for m in _XML_PATH.finditer(cfg.read_text(errors="replace")):
            used[m.group(1)].add(v)
    return used


def _extra(a: XmlAsset) -> str | None:
    rest = tuple(sorted((k, v) for k, v in a.attrs.items() if k not in _CORE_ATTRS))
    return _extra_json(rest) if rest else None


@lru_cache(maxsize=4096)
def _extra_json(items: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(items), sort_keys=True)


def asset_facts(
    xml_root: Path,
    versions: list[str],
    *,
    default_version: str,
    uses: dict[str, set[str]] | None = None,
    objects_by_segment: dict[str, str] | None = None,
    scenes_by_segment: dict[str, str] | None = None,
    rel_prefix: str = "assets/xml",
    last_good: LastGood | None = None,
) -> tuple[Facts, AssetsReport]:
    """Facts for every asset XML under ``xml_root``.

    ``uses`` maps ``assets/xml/...`` paths to the versions that use them (see
    ``version_xmls``); files it does not list are taken as used by every version.
    ``objects_by_segment``/``scenes_by_segment`` map spec segment names (the XML File
    names) to the Object/Scene enums from the tables, for HAS_ASSET and HAS_ROOM.
    """
    facts = Facts()
    report = AssetsReport()
    owners = _Owners(objects_by_segment or {}, scenes_by_segment or {})
    listed = bool(uses)
    order = {v: i for i, v in enumerate(versions)}
    # asset id -> [(versions, offset, XmlAsset, XmlFile)]
    seen: dict[str, list[tuple[list[str], int | None, XmlAsset, XmlFile]]] = defaultdict(list)
    files_seen = _Files()

    for path in sorted(xml_root.rglob("*.xml")):
        rel = f"{rel_prefix}/{path.relative_to(xml_root).as_posix()}"
        report.files += 1
        files = _read_xml(path, rel, last_good, report)
        if not files:
            continue
        report.asset_files += 1
        in_versions = [v for v in versions if v in (uses or {}).get(rel, set())] if listed else list(versions)
        if not in_versions:
            continue
        facts.node("File", path=rel, kind="asset_xml")
        for xf in files:
            files_seen.add(xf, rel, in_versions)
            _file_assets(xf, in_versions, seen)

    _assets(facts, seen, order, default_version, owners)
    report.assets = len(seen)

    # Skeleton limb counts: the limbs of the file, where it has a single skeleton.
    _limb_counts(facts, files_seen.meta)

    for name, xf in files_seen.meta.items():
        vs = sorted(files_seen.versions[name], key=lambda v: order[v])
        _owner_facts(facts, report, name, xf, vs, sorted(files_seen.xml_of[name]), owners)
    return facts, report


@dataclass
class _Owners:
    """Spec segment names (the XML File names) -> the Object and Scene enums of the tables."""

    objects: dict[str, str]
    scenes: dict[str, str]


@dataclass
class _Files:
    """Each XML ``<File>`` (by name): its first description, its versions, the XMLs with it."""

    meta: dict[str, XmlFile] = field(default_factory=dict)
    versions: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    xml_of: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, xf: XmlFile, rel: str, in_versions: list[str]) -> None:
        self.meta.setdefault(xf.name, xf)
        self.xml_of[xf.name].add(rel)
        self.versions[xf.name].update(in_versions)


def _read_xml(path: Path, rel: str, last_good: LastGood | None, report: AssetsReport) -> list[XmlFile]:
    """The ``<File>``s of one XML; a malformed one's last good copy stands in for it (its
    problems reported either way)."""
    files, problems = parse_xml_file(path, rel)
    if last_good is not None:
        if not files and any(p.message.startswith("malformed") for p in problems):
            kept = last_good.recall(rel)
            if kept is not None:
                files, _ = parse_xml_file(kept, rel)
                n = sum(len(f.assets) for f in files)
                problems[0].message += f"; its {n} assets from the last good copy were kept"
            else:
                problems[0].message += "; no earlier good copy: its assets are missing"
        elif files:
            last_good.remember(path, rel)
    report.problems.extend(problems)
    return files


def _file_assets(
    xf: XmlFile, in_versions: list[str], seen: dict[str, list[tuple[list[str], int | None, XmlAsset, XmlFile]]]
) -> None:
    """The file's assets and their offsets, per group of versions whose version patterns
    select the same assets."""
    patterns = sorted({a.pattern for a in xf.assets if a.pattern})
    groups: dict[tuple[bool, ...], list[str]] = defaultdict(list)
    for v in in_versions:
        groups[tuple(_matches(p, v) for p in patterns)].append(v)
    for sig, vs_of_sig in groups.items():
        present = [a for a in xf.assets if a.pattern is None or sig[patterns.index(a.pattern)]]
        for a, off in layout(present):
            seen[f"{xf.name}/{a.name}"].append((vs_of_sig, off, a, xf))


def _assets(
    facts: Facts,
    seen: dict[str, list[tuple[list[str], int | None, XmlAsset, XmlFile]]],
    order: dict[str, int],
    default_version: str,
    owners: _Owners,
) -> None:
    """An Asset per id (the default version's description), where it differs per version,
    its XML, and the object, scene or room that has it."""
    asset_rows: list[dict] = []
    defined_in: list[dict] = []
    in_version: list[dict] = []
    has_asset: dict[str, list[dict]] = defaultdict(list)
    for aid, groups_of in seen.items():
        if len(groups_of) == 1:
            vs_, off, a, xf = groups_of[0]
            vs = sorted(vs_, key=order.__getitem__)
        else:
            vs = sorted((v for g in groups_of for v in g[0]), key=order.__getitem__)
            rep_v = default_version if default_version in vs else vs[0]
            _, off, a, xf = next(g for g in groups_of if rep_v in g[0])
            in_version.extend(_differences(aid, groups_of, off, a, xf))
        at = a.attrs
        asset_rows.append(
            {
                "id": aid,
                "name": a.name,
                "kind": a.kind,
                "offset": off,
                "file": xf.xml_path,
                "format": at.get("Format"),
                "width": _int(at.get("Width")),
                "height": _int(at.get("Height")),
                "count": _int(at.get("Count")) or _int(at.get("Length")),
                "extra": _extra(a),
                "versions": vs,
            }
        )
        defined_in.append({"from": aid, "to": xf.xml_path})
        owner = xf.name
        if owner in owners.objects:
            has_asset["Object"].append({"from": owners.objects[owner], "to": aid})
        elif owner in owners.scenes:
            has_asset["Scene"].append({"from": owners.scenes[owner], "to": aid})
        elif _room_scene(owner, owners.scenes):
            has_asset["Room"].append({"from": owner, "to": aid})
    facts.add_nodes("Asset", asset_rows)
    facts.add_rels("DEFINED_IN", "Asset", "File", defined_in)
    facts.add_rels("IN_VERSION", "Asset", "Version", in_version)
    for kind, rows in has_asset.items():
        facts.add_rels("HAS_ASSET", kind, "Asset", rows)


def _differences(
    aid: str,
    groups_of: list[tuple[list[str], int | None, XmlAsset, XmlFile]],
    off: int | None,
    a: XmlAsset,
    xf: XmlFile,
) -> list[dict]:
    """IN_VERSION rows for the versions whose asset differs from the representative one."""
    out: list[dict] = []
    for g_vs, v_off, v_a, v_xf in groups_of:
        diff = {k: val for k, val in v_a.attrs.items() if a.attrs.get(k) != val and k != "Offset"}
        if v_off != off or diff or v_xf.xml_path != xf.xml_path:
            text = json.dumps(diff, sort_keys=True) if diff else None
            out.extend({"from": aid, "to": v, "offset": v_off, "file": v_xf.xml_path, "text": text} for v in g_vs)
    return out


def _owner_facts(
    facts: Facts, report: AssetsReport, name: str, xf: XmlFile, vs: list[str], xmls: list[str], owners: _Owners
) -> None:
    """What an XML ``<File>`` is: an object's or a scene's segment, or a room."""
    if name in owners.objects:
        report.objects_linked += 1
        enum = owners.objects[name]
        facts.node("Object", enum=enum, segment_number=xf.segment)
        for xml in xmls:
            facts.rel("DEFINED_IN", enum, xml, from_kind="Object", to_kind="File")
    elif name in owners.scenes:
        report.scenes_linked += 1
        for xml in xmls:
            facts.rel("DEFINED_IN", owners.scenes[name], xml, from_kind="Scene", to_kind="File")
    elif (scene_enum := _room_scene(name, owners.scenes)) is not None:
        report.rooms += 1
        pos = int(name.rsplit("_", 1)[1])
        facts.node("Room", name=name, scene=scene_enum, position=pos)
        facts.rel("HAS_ROOM", scene_enum, name, position=pos)
        facts.rel("IN_SEGMENT", name, name, from_kind="Room", to_kind="Segment")
        facts.node("Segment", name=name, number=xf.segment)
        for v in vs:
            facts.rel("IN_VERSION", name, v, from_kind="Room", to_kind="Version")
        for xml in xmls:
            facts.rel("DEFINED_IN", name, xml, from_kind="Room", to_kind="File")
        return
    else:
        report.unowned_files.append(name)
        return
    facts.node("Segment", name=name, number=xf.segment)


_ROOM = re.compile(r"^(?P<scene>.+)_room_(?P<n>\d+)$")


def _room_scene(name: str, scenes_by_segment: dict[str, str]) -> str | None:
    m = _ROOM.match(name)
    if not m:
        return None
    return scenes_by_segment.get(f"{m['scene']}_scene")


def _limb_counts(facts: Facts, file_meta: dict[str, XmlFile]) -> None:
    for name, xf in file_meta.items():
        skels = [a for a in xf.assets if a.kind == "Skeleton"]
        if len(skels) != 1:
            continue
        limbs = {a.name for a in xf.assets if a.kind == "Limb"}
        if limbs:
            facts.node("Asset", id=f"{name}/{skels[0].name}", count=len(limbs))


def _assets_source(ctx: object) -> Facts:
    """Pipeline source: ``assets/xml`` of the checkout, linked to the tables' objects and
    scenes (run after the tables source)."""
    root = Path(ctx.checkout.root)  # type: ignore[attr-defined]
    versions = [v.id for v in ctx.versions]  # type: ignore[attr-defined]
    default = next((v.id for v in ctx.versions if v.is_default), versions[0])  # type: ignore[attr-defined]
    domain = ctx.stats.setdefault("domain", {})  # type: ignore[attr-defined]
    if "objects_by_segment" not in domain:
        log.warning("assets: the tables source did not run; assets are not linked to objects/scenes")
    last_good = LastGood(Path(ctx.cache_dir) / "assets" / "last-good")  # type: ignore[attr-defined]
    facts, report = asset_facts(
        root / "assets" / "xml",
        versions,
        default_version=default,
        uses=version_xmls(root, versions),
        objects_by_segment=domain.get("objects_by_segment"),
        scenes_by_segment=domain.get("scenes_by_segment"),
        last_good=last_good,
    )
    last_good.save()
    domain["assets"] = report
    for p in report.problems:
        log.warning("%s: %s", p.where(), p.message)
        if p.message.startswith("malformed"):
            ctx.warnings.append(f"{p.where()}: {p.message}")  # type: ignore[attr-defined]
    path = save_report(ctx.cache_dir, "assets", report)  # type: ignore[attr-defined]
    ctx.notes["assets"] = (  # type: ignore[attr-defined]
        f"{report.assets} assets in {report.asset_files} files, "
        f"{report.rooms} rooms" + (f"; {len(report.problems)} XML problems (see {path})" if report.problems else "")
    )
    return facts


def assets_source(ctx: Any) -> Facts:
    """Pipeline source (see ``_assets_source``). The cyclic GC is paused meanwhile: the source
    allocates ~10^5 acyclic rows, and generation scans of a large live heap cost seconds."""
    with gc_paused():
        return _assets_source(ctx)
