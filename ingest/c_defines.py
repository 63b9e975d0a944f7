"""Integer values of the object-like macros in ``include/`` (flags, ids), per version.

One probe TU per version includes the headers of ``include/`` (those with an
include guard, X-macro tables excluded) and evaluates every object-like macro
with libclang (``clang_Cursor_Evaluate``): only macros whose body is an integer
constant expression in that version get a value. 0.3 s per version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import clang.cindex as ci

from ingest.clangutil import eval_int

_DEF = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(\S.*?)\s*$", re.M)
_GUARD = re.compile(r"#\s*(?:ifndef\s+\w+|pragma\s+once)")


@dataclass(frozen=True)
class DefineSite:
    name: str
    file: str
    line: int
    body: str


def candidates(root: Path) -> tuple[dict[str, DefineSite], list[str]]:
    """Object-like macros with a body in include/ (first definition wins), and the headers."""
    sites: dict[str, DefineSite] = {}
    headers: list[str] = []
    inc = root / "include"
    for p in sorted(inc.rglob("*.h")):
        rel = p.relative_to(inc)
        if rel.parts[0] == "tables":
            continue
        text = p.read_bytes().decode("utf-8", "replace")
        if _GUARD.search(text) and len(rel.parts) == 1:
            headers.append(str(rel))
        for m in _DEF.finditer(text):
            name = m.group(1)
            if name.endswith("_H") or name.startswith("__"):
                continue
            body = m.group(2)
            if body.endswith("\\"):
                continue
            sites.setdefault(name, DefineSite(name, str(p.relative_to(root)),
                                              text.count("\n", 0, m.start()) + 1, body))
    return sites, headers


def evaluate_cached(root: Path, args: list[str], names: list[str], headers: list[str],
                    cache_dir: Path) -> dict[str, int]:
    """``evaluate``, remembered while the flags and every file of include/ are unchanged."""
    import hashlib
    import os
    import pickle

    h = hashlib.sha1(repr((args, names, headers)).encode())
    for dirpath, _, files in sorted(os.walk(root / "include")):
        for n in sorted(files):
            st = os.stat(os.path.join(dirpath, n))
            h.update(f"{dirpath}/{n}:{st.st_size}:{st.st_mtime_ns}".encode())
    path = cache_dir / f"{h.hexdigest()}.pkl"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    got = evaluate(root, args, names, headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(got, fh)
    tmp.replace(path)
    return got


def evaluate(root: Path, args: list[str], names: list[str], headers: list[str]) -> dict[str, int]:
    src = "".join(f'#include "{h}"\n' for h in headers)
    src += "".join(f"#ifdef {n}\nstatic const long long __ootkg_d{i} = ({n});\n#endif\n"
                   for i, n in enumerate(names))
    probe = str(root / "ootkg_defines_probe.c")
    tu = ci.Index.create().parse(probe, args=args, unsaved_files=[(probe, src)],
                                 options=ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES)
    out: dict[str, int] = {}
    for c in tu.cursor.get_children():
        if c.kind == ci.CursorKind.VAR_DECL and c.spelling.startswith("__ootkg_d"):
            v = eval_int(c)
            if v is not None:
                out[names[int(c.spelling[9:])]] = v
    return out
