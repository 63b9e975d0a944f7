"""An independent count of the functions a version of the decomp defines, for the real-decomp
tests: GNU cpp (not libclang) runs the spec and each C file, and a plain scan of the
preprocessed text counts the function definitions. It shares with ootkg only the compile
flags (the version's defines and include folders), not how the file list is found, how the
files are preprocessed or how definitions are recognised."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_INCLUDE = re.compile(r'^\s*include\s+"\$\(BUILD_DIR\)/(src/[^"]+)\.o"', re.M)
_RULE = re.compile(r"^\$\(BUILD_DIR\)/(\S+)\.o:((?:[^\n]*\\\n)*[^\n]*)$", re.M)
_OBJ = re.compile(r"\$\(BUILD_DIR\)/(\S+?)\.o\b")
_MARKER = re.compile(r'^# \d+ "([^"]*)"')
_LITERAL = re.compile(r'"(?:\\.|[^"\\\n])*"|' + r"'(?:\\.|[^'\\\n])*'")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_NOT_FUNC = {"if", "while", "for", "switch", "return", "sizeof"}
MIPS = [
    "-D__mips__",
    "-D_MIPS_SZLONG=32",
    "-D_MIPS_SZINT=32",
    "-D_MIPS_SZPTR=32",
    "-D__MIPSEB__",
    "-U__x86_64__",
    "-U__linux__",
]


def cpp_flags(args: list[str]) -> list[str]:
    """The -D/-U/-I flags of a compile command (the rest is clang's own)."""
    out = []
    for a in args:
        if a.startswith(("-D", "-U", "-I")):
            out.append(a)
    return out


def built_files(root: Path, flags: list[str]) -> list[str]:
    """The version's C files: GNU cpp runs the spec with the version's flags; each .o it
    includes under src/ is src/x.c, or the C files of the objects a Makefile rule makes it
    from."""
    spec = root / "spec" / "spec" if (root / "spec").is_dir() else root / "spec"
    text = subprocess.run(
        ["cpp", "-P", "-nostdinc", *flags, f"-I{root}", f"-I{spec.parent}", str(spec)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rules = {
        m.group(1): _OBJ.findall(m.group(2)) for m in _RULE.finditer((root / "Makefile").read_text(errors="replace"))
    }
    out: list[str] = []

    def add(obj: str) -> None:
        if (root / f"{obj}.c").is_file():
            out.append(f"{obj}.c")
        else:
            for part in rules.get(obj, []):
                add(part)

    for obj in _INCLUDE.findall(text):
        add(obj)
    return list(dict.fromkeys(out))


def definitions(preprocessed: str) -> set[str]:
    """Names of the functions defined in preprocessed C: at brace depth 0, a ``{`` that
    closes a declaration ending in ``)`` (no ``=`` in it, not a struct/union/enum body) opens
    a function body; its name is the identifier before the declaration's parameter list."""
    code = "\n".join(line for line in preprocessed.splitlines() if not line.startswith("#"))
    code = _LITERAL.sub('""', code)
    names: set[str] = set()
    depth = 0
    start = 0
    i = 0
    n = len(code)
    while i < n:
        c = code[i]
        if c == "{":
            if depth == 0:
                head = code[start:i].strip()
                name = _function_name(head)
                if name:
                    names.add(name)
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
        elif c == ";" and depth == 0:
            start = i + 1
        i += 1
    return names


def _function_name(head: str) -> str | None:
    if not head.endswith(")") or "=" in head:
        return None
    if re.match(r"^(typedef|struct|union|enum)\b", head):
        return None
    # the parameter list: the last top-level parenthesised group
    level = 0
    for j in range(len(head) - 1, -1, -1):
        if head[j] == ")":
            level += 1
        elif head[j] == "(":
            level -= 1
            if level == 0:
                before = head[:j].rstrip()
                m = re.search(r"([A-Za-z_]\w*)$", before)
                if m and m.group(1) not in _NOT_FUNC:
                    return m.group(1)
                return None
    return None


def count_functions(root: Path, files: list[str], flags_of: dict[str, list[str]], jobs: int = 2) -> set[str]:
    """The names of the functions the files define (headers' inline ones included)."""
    if shutil.which("cpp") is None:
        raise RuntimeError("GNU cpp is not installed")

    def one(f: str) -> set[str]:
        proc = subprocess.run(
            ["cpp", "-nostdinc", *MIPS, *flags_of[f], str(root / f)], capture_output=True, text=True, errors="replace"
        )
        return definitions(proc.stdout)

    out: set[str] = set()
    with ThreadPoolExecutor(jobs) as pool:
        for got in pool.map(one, files):
            out |= got
    return out
