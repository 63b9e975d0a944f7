"""The compiler flags a checkout gives each version: the target and base arguments, the ``-D``
flags of the Makefile's per-version variables (``VersionInfo.make``) and per-object rules, and
the macros ``include/versions.h`` derives from them (one libclang probe per version).

Below both the checkout model (``Checkout`` derives PAL/MQ/debug-assets with
``evaluate_macros``) and the compile environment (``ingest.c.env.CompileEnv``), which both
build on these.
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache
from pathlib import Path

from ingest.checkout.versions import VersionInfo

TARGET = "mips-unknown-linux-gnu"
BASE_ARGS = [
    "-x",
    "c",
    "-std=gnu90",
    "-nostdinc",
    "-fno-builtin",
    "-funsigned-char",
    "-D_LANGUAGE_C",
    f"--target={TARGET}",
    "-Wno-unknown-pragmas",
    "-Wno-everything",
]

_PER_FILE = re.compile(r"^\$\(BUILD_DIR\)/(\S+?)\.o\s*:\s*(?:CPP_DEFINES|CFLAGS)\s*\+=\s*(.*?)\s*$", re.M)
_MAKEVAR = re.compile(r"\$\(([A-Z_][A-Z0-9_]*)\)")
_PLATFORM_IFEQ = re.compile(r"^\s*(?:else\s+)?ifeq\s+\(\$\(PLATFORM\),\s*(\w+)\)")


def _platform_settings(makefile: str) -> dict[str, dict[str, str]]:
    """LIBULTRA_VERSION/PATCH per PLATFORM from the Makefile's ``ifeq ($(PLATFORM),X)`` blocks."""
    out: dict[str, dict[str, str]] = {}
    current = None
    for line in makefile.splitlines():
        m = _PLATFORM_IFEQ.match(line)
        if m:
            current = m.group(1)
            out.setdefault(current, {})
            continue
        s = line.strip()
        if current and (s == "endif" or s == "else" or s.startswith("ifeq")):
            current = None
            continue
        if current:
            a = re.match(r"^\s*(LIBULTRA_VERSION|LIBULTRA_PATCH)\s*:?=\s*(\S+)", line)
            if a:
                out[current][a.group(1)] = a.group(2)
    return out


@lru_cache(maxsize=8)
def _makefile(root: Path) -> str:
    mk = root / "Makefile"
    return mk.read_text(errors="replace") if mk.is_file() else ""


def version_defines(root: Path, v: VersionInfo) -> list[str]:
    """The -D flags the Makefile gives every C file of version ``v``."""
    mk = _makefile(root)
    plat = v.platform.upper()
    lib = _platform_settings(mk).get(plat) or (
        {"LIBULTRA_VERSION": "I", "LIBULTRA_PATCH": "1"}
        if plat == "N64"
        else {"LIBULTRA_VERSION": "L", "LIBULTRA_PATCH": "0"}
    )
    d = [f"-DPLATFORM_{p}={1 if p == plat else 0}" for p in ("N64", "GC", "IQUE")]
    d += [
        f"-DOOT_VERSION={v.name}",
        f"-DOOT_REVISION={v.revision}",
        f"-DOOT_REGION=REGION_{v.region}",
        f"-DLIBULTRA_VERSION=LIBULTRA_VERSION_{lib['LIBULTRA_VERSION']}",
        f"-DLIBULTRA_PATCH={lib['LIBULTRA_PATCH']}",
    ]
    if plat == "IQUE":
        d.append("-DBBPLAYER")
    d += ["-DDEBUG_FEATURES=1"] if v.debug else ["-DDEBUG_FEATURES=0", "-DNDEBUG"]
    d.append("-DF3DEX_GBI_2")
    if plat != "N64":
        d += ["-DF3DEX_GBI_PL", "-DGBI_DOWHILE"]
    if v.debug:
        d.append("-DGBI_DEBUG")
    return d


def per_file_defines(root: Path, v: VersionInfo) -> dict[str, list[str]]:
    """``src/x.c`` -> extra -D flags from the Makefile's per-object rules."""
    out: dict[str, list[str]] = {}
    for m in _PER_FILE.finditer(_makefile(root)):
        text = _MAKEVAR.sub(lambda mm: v.make.get(mm.group(1), ""), m.group(2))
        try:
            toks = shlex.split(text)
        except ValueError:
            continue
        defs = [t for t in toks if t.startswith("-D")]
        if defs:
            out.setdefault(m.group(1) + ".c", []).extend(defs)
    return out


def evaluate_macros(root: Path, v: VersionInfo, names: list[str]) -> dict[str, int]:
    """Integer values of macros after ``#include "versions.h"`` with ``v``'s defines."""
    import clang.cindex as ci

    from ingest.c.clangutil import eval_int

    src = '#include "versions.h"\n' + "".join(f"#ifdef {n}\nint __ootkg_{n} = ({n});\n#endif\n" for n in names)
    args = BASE_ARGS + version_defines(root, v) + [f"-I{root / 'include'}"]
    tu = ci.Index.create().parse("ootkg_probe.c", args=args, unsaved_files=[("ootkg_probe.c", src)])
    out: dict[str, int] = {}
    for c in tu.cursor.get_children():
        if c.kind == ci.CursorKind.VAR_DECL and c.spelling.startswith("__ootkg_"):
            val = eval_int(c)
            if val is not None:
                out[c.spelling[len("__ootkg_") :]] = val
    return out
