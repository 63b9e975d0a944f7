"""Stand-in asset headers, generated from ``assets/xml`` for one version.

The decomp's asset headers (``assets/objects/<obj>/<obj>.h`` ...) and asset data
(``*.inc.c``) are extracted from a ROM by ``make setup``; a bare checkout lacks
them and ~400 TUs stop on "file not found". ``ensure_stubs`` writes, into a
cache directory (never the checkout):

- for each ``assets/<name>/<File>.h`` some source includes: ``extern``
  declarations typed by XML tag, ``<Tex>_WIDTH/_HEIGHT/_SIZE`` macros and limb
  enums (names right, order as in the XML), honouring ``<Version Pattern>``
  blocks and the version's asset map (``baseroms/<v>/config.yml`` ``assets``);
- empty files for included asset data (``*.c``/``*.inc.c``) and other
  generated headers; ``*_sizes.h`` with the ``X_N_SIZE`` names sources use.

Interface: ``ensure_stubs(checkout, version, out_dir) -> Path`` (idempotent; a
stamp of the inputs skips regeneration), ``missing_includes(root)``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ingest.cache import TreeStats
from kg.persist import dump_pickle, load_versioned, save_versioned

if TYPE_CHECKING:
    from ingest.checkout.checkout import Checkout
    from ingest.checkout.versions import VersionInfo

log = logging.getLogger(__name__)

GENERATOR = "asset-stubs-4"
_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)
_SIZE_NAME = re.compile(r"\b([A-Za-z]\w*?_\d+_SIZE)\b")
_NUM_NAME = re.compile(r"\b(NUM_[A-Z0-9_]+)\b")
_NUM_DEFINED = re.compile(r"(?:#\s*define\s+|^\s*)(NUM_[A-Z0-9_]+)\b", re.M)

_BPP = {"rgba32": 32, "rgba16": 16, "i4": 4, "i8": 8, "ia4": 4, "ia8": 8, "ia16": 16, "ci4": 4, "ci8": 8}
_LIMB_TYPES = {
    "Standard": "StandardLimb",
    "LOD": "LodLimb",
    "Skin": "SkinLimb",
    "Curve": "SkelCurveLimb",
    "Legacy": "LegacyLimb",
}
_SKEL_TYPES = {
    "Normal": "SkeletonHeader",
    "Flex": "FlexSkeletonHeader",
    "Curve": "CurveSkeletonHeader",
    "Legacy": "LegacySkeletonHeader",
}
# tag -> C declaration format ({n} = name)
_DECL = {
    "Texture": "u64 {n}[]",
    "Background": "u64 {n}[]",
    "Blob": "u8 {n}[]",
    "DList": "Gfx {n}[]",
    "Animation": "AnimationHeader {n}",
    "PlayerAnimation": "LinkAnimationHeader {n}",
    "PlayerAnimationData": "s16 {n}[]",
    "LegacyAnimation": "LegacyAnimationHeader {n}",
    "CurveAnimation": "CurveAnimationHeader {n}",
    "Collision": "CollisionHeader {n}",
    "Cutscene": "CutsceneData {n}[]",
    "Path": "Path {n}[]",
    "Scene": "SceneCmd {n}[]",
    "Room": "SceneCmd {n}[]",
    "Mtx": "Mtx {n}",
    "LimbTable": "void* {n}[]",
    "TextureAnimation": "AnimatedMaterial {n}[]",
}
_SKIP_TAGS = {"File", "Root", "Version", "ExternalFile"}


def _source_files(root: Path) -> list[Path]:
    out: list[Path] = []
    for top in ("src", "include", "assets"):
        for dirpath, _, names in os.walk(root / top):
            out += [Path(dirpath) / n for n in names if n.endswith((".c", ".h"))]
    return out


def _tree_stamp(files: list[tuple[str, os.stat_result]]) -> str:
    h = hashlib.sha1(GENERATOR.encode())
    for p, st in files:
        h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _stat_sources(root: Path, stats: TreeStats | None = None) -> list[tuple[str, os.stat_result]]:
    stats = stats or TreeStats(root)
    return [(p, st) for top in ("src", "include", "assets") for p, st in stats.files(top) if p.endswith((".c", ".h"))]


_SCAN_TAG = "stub-scan-1"  # bump when _scan_file's output changes


def scan_cached(
    root: Path, cache_file: Path | None, stats: TreeStats | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``_scan`` remembered on disk while no source file changed (a stat walk, not a read);
    after an edit only the edited files are read again (per-file results in ``cache_file``'s
    sibling ``scan-files.pkl``)."""
    if cache_file is None:
        return _scan(root)

    from ingest.cache import FileMemo

    files = _stat_sources(root, stats)
    stamp = _tree_stamp(files)
    got = load_versioned(cache_file, stamp)
    if got is not None:
        return got
    memo = FileMemo(cache_file.with_name("scan-files.pkl"), _SCAN_TAG)
    scanned = [(p, st, memo.get(p, st, _scan_file)) for p, st in files]
    memo.save()
    got = _resolve_cached(root, scanned, cache_file.with_name("resolve.pkl"))
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    save_versioned(cache_file, stamp, got)
    return got


def scan_if_fresh(
    root: Path, cache_file: Path, stats: TreeStats | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The remembered ``scan_cached`` result while no source file changed, else None."""
    import pickle

    try:
        with open(cache_file, "rb") as fh:
            got_stamp, got = pickle.load(fh)
    except (OSError, ValueError, EOFError, Exception):  # noqa: BLE001 - none
        return None
    return got if got_stamp == _tree_stamp(_stat_sources(root, stats)) else None


def _scan_file(path: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(X_N_SIZE names, NUM_ names a sizes-header includer uses, NUM_ names it defines,
    its quoted includes) of one source file."""
    text = Path(path).read_bytes().decode("utf-8", "replace")
    sizes = tuple(_SIZE_NAME.findall(text)) if "_SIZE" in text else ()
    num_used = tuple(_NUM_NAME.findall(text)) if "_sizes.h" in text else ()
    defined = tuple(_NUM_DEFINED.findall(text)) if "NUM_" in text else ()
    return sizes, num_used, defined, tuple(_INCLUDE.findall(text))


def _resolve_cached(
    root: Path, scanned: list[tuple[str, os.stat_result, tuple]], path: Path
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``_resolve`` with each file's unresolved includes remembered: valid while the file is
    unchanged and no directory whose listing decided an include (the includer's, a search
    directory, or the deepest existing one on a missing path) changed its mtime."""
    import pickle

    dirs: dict[str, int] = {}
    per_file: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    try:
        with open(path, "rb") as fh:
            tag, dirs, per_file = pickle.load(fh)
        if tag != _SCAN_TAG or any(_mtime(d) != m for d, m in dirs.items()):
            dirs, per_file = {}, {}
    except (OSError, ValueError, EOFError, Exception):  # noqa: BLE001 - recompute
        dirs, per_file = {}, {}
    search = [str(root / "include"), str(root / "include/libc"), str(root / "src"), str(root)]
    for d in search:
        dirs[d] = _mtime(d)
    checked: dict[str, bool] = {}

    def exists(p: str) -> bool:
        got = checked.get(p)
        if got is None:
            got = checked[p] = os.path.exists(p)
            d = os.path.dirname(p)
            if not got:
                while d and d != "/" and not os.path.isdir(d):
                    d = os.path.dirname(d)
            dirs.setdefault(d, _mtime(d))
        return got

    sizes: set[str] = set()
    num_used: set[str] = set()
    defined: set[str] = set()
    missing: set[str] = set()
    new_files: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for f, st, (f_sizes, f_used, f_defined, incs) in scanned:
        sizes.update(f_sizes)
        num_used.update(f_used)
        defined.update(f_defined)
        prev = per_file.get(f)
        if prev is not None and prev[:2] == (st.st_size, st.st_mtime_ns):
            lost = prev[2]
        else:
            parent = os.path.dirname(f)
            lost = tuple(
                inc
                for inc in incs
                if not exists(os.path.join(parent, inc)) and not any(exists(os.path.join(d, inc)) for d in search)
            )
        new_files[f] = (st.st_size, st.st_mtime_ns, lost)
        missing.update(lost)
    dump_pickle(path, (_SCAN_TAG, dirs, new_files))
    # sizes headers also provide the NUM_* counts their includers use and nothing defines
    return tuple(sorted(missing)), tuple(sorted(sizes)) + tuple(sorted(num_used - defined))


def _mtime(d: str) -> int:
    try:
        return os.stat(d).st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=4)
def _scan(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(include paths no checkout directory provides, X_N_SIZE names used by sources)."""
    return _resolve(root, [(p, _scan_file(str(p))) for p in _source_files(root)])


def _resolve(root: Path, scanned: list[tuple[Path, tuple]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    dirs = [str(root / "include"), str(root / "include/libc"), str(root / "src"), str(root)]
    missing: set[str] = set()
    sizes: set[str] = set()
    num_used: set[str] = set()
    defined: set[str] = set()
    anywhere: dict[str, bool] = {}  # include name -> found in one of ``dirs``
    local: dict[tuple[str, str], bool] = {}  # (includer's dir, name) -> found there

    for f, (f_sizes, f_used, f_defined, incs) in scanned:
        sizes.update(f_sizes)
        num_used.update(f_used)
        defined.update(f_defined)
        parent = os.path.dirname(f)
        for inc in incs:
            here = local.get((parent, inc))
            if here is None:
                here = local[(parent, inc)] = os.path.exists(os.path.join(parent, inc))
            if here:
                continue
            found = anywhere.get(inc)
            if found is None:
                found = anywhere[inc] = any(os.path.exists(os.path.join(d, inc)) for d in dirs)
            if not found:
                missing.add(inc)
    # sizes headers also provide the NUM_* counts their includers use and nothing defines
    return tuple(sorted(missing)), tuple(sorted(sizes)) + tuple(sorted(num_used - defined))


def missing_includes(root: Path) -> list[str]:
    return list(_scan(root)[0])


@lru_cache(maxsize=2048)
def _parse_xml(path: Path, last_good: Path | None = None) -> ET.Element | None:
    """The XML's root element; a malformed file's last good copy (``last_good``, see
    ``ingest.domain.assets_xml.LastGood``) when there is one."""
    try:
        return ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        if last_good is not None and last_good.is_file():
            log.warning("asset XML %s unreadable (%s): its last good copy is used", path, e)
            return _parse_xml(last_good)
        log.warning("asset XML %s unreadable: %s", path, e)
        return None


def _version_elements(parent: ET.Element, version_id: str) -> list[ET.Element]:
    """Children of ``parent``, with <Version Pattern> blocks expanded when they match."""
    out: list[ET.Element] = []
    for el in parent:
        if el.tag == "Version":
            pat = el.get("Pattern", "")
            try:
                ok = re.fullmatch(pat, version_id) is not None
            except re.error:
                ok = False
            if ok:
                out += _version_elements(el, version_id)
        else:
            out.append(el)
    return out


def _decl(el: ET.Element) -> str | None:
    name = el.get("Name")
    if not name:
        return None
    tag = el.tag
    if tag == "Limb":
        return f"{_LIMB_TYPES.get(el.get('LimbType', ''), 'StandardLimb')} {name}"
    if tag == "Skeleton":
        return f"{_SKEL_TYPES.get(el.get('Type', ''), 'SkeletonHeader')} {name}"
    if tag == "Array":
        kids = [k.tag for k in el]
        elem = {"Vtx": "Vtx", "Vector": "Vec3s", "Scalar": "s16"}.get(kids[0] if kids else "", "u8")
        if kids and kids[0] in ("Vector", "Scalar"):
            elem = list(el)[0].get("Type") or elem
        return f"{elem} {name}[]"
    if tag == "Symbol":
        return f"{el.get('Type', 'u8')} {name}{'[]' if el.get('Count') else ''}"
    fmt = _DECL.get(tag)
    return fmt.format(n=name) if fmt else None


def render_header(file_el: ET.Element, version_id: str, guard: str, includes: tuple[str, ...] = ("ultra64.h",)) -> str:
    lines = [f"#ifndef {guard}", f"#define {guard}", ""]
    lines += [f'#include "{h}"' for h in includes] + [""]
    elements = _version_elements(file_el, version_id)
    limbs: list[str] = []
    skeleton_enums: list[tuple[str, str, str]] = []
    for el in elements:
        d = _decl(el)
        if d:
            lines.append(f"extern {d};")
        if el.tag == "Texture" and el.get("Name"):
            try:
                w, h = int(el.get("Width", "0"), 0), int(el.get("Height", "0"), 0)
            except ValueError:
                w = h = 0
            n = el.get("Name")
            lines.append(f"#define {n}_WIDTH {w}")
            lines.append(f"#define {n}_HEIGHT {h}")
            bpp = _BPP.get((el.get("Format") or "").lower(), 16)
            lines.append(f"#define {n}_SIZE {w * h * bpp // 8}")
        if el.tag == "Limb" and el.get("EnumName"):
            limbs.append(el.get("EnumName", ""))
        if el.tag == "Skeleton" and el.get("EnumName") and el.get("LimbNone"):
            skeleton_enums.append((el.get("EnumName", ""), el.get("LimbNone", ""), el.get("LimbMax", "")))
        elif el.tag == "Skeleton" and el.get("Offset"):
            # the extractor's default names: LIMB_<FILE>_<OFFSET>_NONE/_MAX (limb count unknown)
            try:
                base = f"LIMB_{file_el.get('Name', '').upper()}_{int(el.get('Offset', '0'), 0):06X}"
            except ValueError:
                base = ""
            if base:
                n_limbs = sum(1 for x in elements if x.tag == "Limb")
                lines += [f"#define {base}_NONE 0", f"#define {base}_MAX {max(n_limbs, 1)}"]
    # limb enums: a limb belongs to the skeleton whose LIMB_NONE prefix it shares (longest wins)
    assigned: dict[str, list[str]] = {e: [] for e, _, _ in skeleton_enums}
    prefixes = sorted(
        ((none[: -len("NONE")] if none.endswith("NONE") else none, e) for e, none, _ in skeleton_enums),
        key=lambda t: -len(t[0]),
    )
    rest: list[str] = []
    for limb in dict.fromkeys(limbs):
        for pre, e in prefixes:
            if limb.startswith(pre):
                assigned[e].append(limb)
                break
        else:
            rest.append(limb)
    for e, none, mx in skeleton_enums:
        body = ",\n    ".join([none, *assigned[e], *([mx] if mx else [])])
        lines += ["", f"typedef enum {e} {{", f"    {body}", f"}} {e};"]
    if rest:
        lines += ["", "enum {", "    " + ",\n    ".join(rest), "};"]
    lines += ["", "#endif", ""]
    return "\n".join(lines)


def _asset_map(checkout: Checkout, v: VersionInfo) -> dict[str, Path]:
    cfg = checkout.root / "baseroms" / v.id / "config.yml"
    out: dict[str, Path] = {}
    if not cfg.is_file():
        return out
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x
        data = yaml.load(cfg.read_text(), Loader=loader) or {}
    except yaml.YAMLError as e:
        log.warning("%s unreadable: %s", cfg, e)
        return out
    for a in data.get("assets") or []:
        if isinstance(a, dict) and a.get("name") and a.get("xml_path"):
            out[str(a["name"])] = checkout.root / str(a["xml_path"])
    return out


def xml_stamp(root: Path, stats: TreeStats | None = None) -> str:
    """Size and mtime of every file of assets/xml (the same for every version)."""
    under = f"{root / 'assets' / 'xml'}/"
    files = (stats or TreeStats(root)).files("assets")
    return hashlib.sha1(
        "".join(sorted(f"{p}:{st.st_size}:{st.st_mtime_ns}\n" for p, st in files if p.startswith(under))).encode()
    ).hexdigest()


def _stamp(
    checkout: Checkout, v: VersionInfo, missing: tuple[str, ...], size_names: tuple[str, ...], xml: str | None = None
) -> str:
    h = hashlib.sha1(GENERATOR.encode())
    h.update(v.id.encode())
    cfg = checkout.root / "baseroms" / v.id / "config.yml"
    if cfg.is_file():
        h.update(cfg.read_bytes())
    h.update((xml or xml_stamp(checkout.root)).encode())
    h.update("\n".join(missing).encode())
    h.update(b"\0" + "\n".join(size_names).encode())  # the *_sizes.h stubs list them
    return h.hexdigest()


def stubs_fresh(
    checkout: Checkout,
    v: VersionInfo,
    out_dir: Path,
    scanned: tuple[tuple[str, ...], tuple[str, ...]],
    xml: str | None = None,
) -> bool:
    """Whether ``ensure_stubs`` would leave ``out_dir`` as it is (``scanned``: the
    ``scan_cached`` result; ``xml``: the ``xml_stamp``)."""
    try:
        return (out_dir / ".stamp").read_text() == _stamp(checkout, v, *scanned, xml)
    except OSError:
        return False


def _write_kept(target: Path, text: str, old: Path) -> None:
    """Write ``target``; when ``old`` (the previous generation) holds the same bytes, keep its
    mtime, so what was parsed against it still matches by (size, mtime) without a hash."""
    data = text.encode()
    target.write_bytes(data)
    try:
        st = old.stat()
        if st.st_size == len(data) and old.read_bytes() == data:
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    except OSError:
        pass


def ensure_stubs(
    checkout: Checkout,
    v: VersionInfo,
    out_dir: Path,
    scanned: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    xml: str | None = None,
) -> Path:
    """Generate the stubs (unless their stamp says they are current). ``scanned`` and
    ``xml``: the ``scan_cached`` result and ``xml_stamp``, when the caller has them."""
    if scanned is None:
        scanned = scan_cached(checkout.root, out_dir.parent / "scan.pkl")
    missing, size_names = scanned
    stamp = _stamp(checkout, v, missing, size_names, xml)
    stamp_file = out_dir / ".stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return out_dir
    tmp = out_dir.with_name(out_dir.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    amap = _asset_map(checkout, v)
    std_includes = tuple(h for h in ("ultra64.h", "tex_len.h") if (checkout.root / "include" / h).is_file())
    xml_root = checkout.root / "assets" / "xml"
    n_gen = 0
    for inc in missing:
        target = tmp / inc
        target.parent.mkdir(parents=True, exist_ok=True)
        is_header = inc.endswith(".h")
        is_asset_c = inc.startswith("assets/") and inc.endswith(".c") and not inc.endswith(".inc.c")
        if not is_header and not is_asset_c:
            _write_kept(target, "", out_dir / inc)
            continue
        guard = "OOTKG_STUB_" + re.sub(r"\W", "_", inc).upper()
        text = None
        if inc.startswith("assets/"):
            rel = Path(inc).relative_to("assets")
            name, fname = str(rel.parent), rel.stem
            xml_path = amap.get(name) or (xml_root / f"{name}.xml")
            kept = None
            if xml_path.is_relative_to(checkout.root):
                kept = out_dir.parent.parent / "assets" / "last-good" / xml_path.relative_to(checkout.root).as_posix()
            root_el = _parse_xml(xml_path, kept) if xml_path.is_file() else None
            if root_el is not None:
                for f in _version_elements(root_el, v.id):
                    if f.tag == "File" and f.get("Name") == fname:
                        text = render_header(f, v.id, guard, std_includes)
                        n_gen += 1
                        break
        if text is None and inc.endswith("_sizes.h"):
            text = f"#ifndef {guard}\n#define {guard}\n" + "".join(f"#define {s} 0\n" for s in size_names) + "#endif\n"
        if text is None:
            text = "" if is_asset_c else f"#ifndef {guard}\n#define {guard}\n#endif\n"
        _write_kept(target, text, out_dir / inc)
    (tmp / ".stamp").write_text(stamp)
    old = out_dir.with_name(out_dir.name + f".old{os.getpid()}")
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    log.info("asset stubs for %s: %d headers from XML, %d files in all", v.id, n_gen, len(missing))
    return out_dir
