"""The built-in curriculum against a real zeldaret/oot checkout (``OOT_DECOMP``).

Every entity a built-in concept covers must exist in the decomp. The check is
deliberately independent of the C ingester (no libclang): a grep-level index of
definitions under ``include/`` and ``src/`` — function definitions (a body, in
``src/``), struct/union definitions and their members, enums and their
constants, typedefs, file-scope variables, ``#define``s, and the X-macro tables
(actors, objects, scenes, sequences, sfx, effects, entrances, game states).
So when the decomp renames something, this test names the concept to fix.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_PREPROC = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)", re.M)
# A definition: at column 0, a return type (which may hold a macro call such as
# BAD_RETURN(s32)), the name, parameters with at most one level of parentheses
# (function-pointer parameters), then the body's brace.
_FUNC_DEF = re.compile(
    r"^(?![ \t#])[^\n;{}=]*?\b([A-Za-z_]\w*)[ \t]*\(((?:[^;{}()]|\([^;{}()]*\))*)\)[ \t\n]*\{",
    re.M,
)
_AGGREGATE = re.compile(r"\b(struct|union|enum)\b[ \t\n]*(\w*)[ \t\n]*\{")
_TYPEDEF_STMT = re.compile(r"\btypedef\b([^;{}]*);")
_FUNC_PTR_NAME = re.compile(r"\(\s*\*\s*(\w+)\s*\)")
_MEMBER = re.compile(r"\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*(?=[;,:])")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_TABLES = {
    "Actor": ("tables/actor_table.h", r"\bACTOR_\w+"),
    "Object": ("tables/object_table.h", r"\bOBJECT_\w+"),
    "Scene": ("tables/scene_table.h", r"\bSCENE_\w+"),
    "Sequence": ("tables/sequence_table.h", r"\bNA_BGM_\w+"),
    "EffectSs": ("tables/effect_ss_table.h", r"\bEFFECT_SS_\w+"),
    "Entrance": ("tables/entrance_table.h", r"\bENTR_\w+"),
    "GameState": ("tables/gamestate_table.h", r"\bGAMESTATE_\w+"),
}


def _read(path: Path) -> str:
    return _COMMENT.sub(" ", path.read_text(errors="replace"))


def _close_brace(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def _top_level(text: str) -> str:
    """The file with every brace-enclosed body blanked out (file scope only)."""
    out, depth = [], 0
    for c in text:
        if c == "{":
            if depth == 0:
                out.append("{")
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
            if depth == 0:
                out.append("}")
        elif depth == 0:
            out.append(c)
    return "".join(out)


def build_index(root: Path) -> dict[str, set[str]]:
    """Entity keys per kind, found by pattern matching the checkout's sources."""
    idx: dict[str, set[str]] = defaultdict(set)
    files = [p for d in ("include", "src") for p in (root / d).rglob("*") if p.suffix in (".c", ".h") and p.is_file()]
    for path in files:
        raw = path.read_text(errors="replace")
        idx["Define"].update(_DEFINE.findall(raw))
        text = _PREPROC.sub(" ", _COMMENT.sub(" ", raw))
        in_src = root / "src" in path.parents
        if in_src:
            idx["Function"].update(
                m.group(1) for m in _FUNC_DEF.finditer(text) if m.group(1) not in ("if", "while", "for", "switch")
            )
        for m in _AGGREGATE.finditer(text):
            kind, tag = m.group(1), m.group(2)
            end = _close_brace(text, m.end() - 1)
            body = text[m.end() : end]
            tail = re.match(r"\s*(\w+)\s*;", text[end + 1 : end + 200])
            prefix = text[max(0, m.start() - 40) : m.start()]
            names = {tag} if tag else set()
            if tail and re.search(r"\btypedef\s*$", prefix):
                names.add(tail.group(1))
                idx["Typedef"].add(tail.group(1))
            if kind == "enum":
                idx["Enum"].update(names)
                for item in body.split(","):
                    ident = _IDENT.search(item)
                    if ident:
                        idx["EnumConstant"].add(ident.group(0))
            else:
                idx["Struct"].update(names)
                members = set(_MEMBER.findall(body)) | set(_FUNC_PTR_NAME.findall(body))
                for name in names:
                    idx.setdefault("_members:" + name, set()).update(members)
        for m in _TYPEDEF_STMT.finditer(text):
            decl = m.group(1)
            ptr = _FUNC_PTR_NAME.search(decl)
            name = ptr.group(1) if ptr else (_IDENT.findall(decl) or [""])[-1]
            if name:
                idx["Typedef"].add(name)
        if in_src and path.suffix == ".c":
            for stmt in re.split(r"[;}]", _top_level(text)):
                head = stmt.split("=", 1)[0].replace("{", " ").strip()
                if not head or re.match(r"(extern|typedef|struct|union|enum)\b", head):
                    continue
                head = re.sub(r"(\[[^\]]*\]\s*)+$", "", head).strip()
                words = _IDENT.findall(head)
                if len(words) >= 2 and re.search(r"\b\w+$", head) and not head.endswith(")"):
                    idx["Global"].add(words[-1])
    include = root / "include"
    for kind, (rel, pattern) in _TABLES.items():
        idx[kind].update(re.findall(pattern, _read(include / rel)))
    for sfx in (include / "tables" / "sfx").glob("*.h"):
        idx["Sfx"].update(re.findall(r"\bNA_SE_\w+", _read(sfx)))
    return idx


def exists(idx: dict[str, set[str]], kind: str, key: str) -> bool:
    if kind == "Field":
        struct, _, member = key.partition(".")
        return member in idx.get("_members:" + struct, set())
    return key in idx.get(kind, set())


@pytest.fixture(scope="module")
def decomp_index() -> dict[str, set[str]]:
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set (path of a zeldaret/oot checkout)")
    if not (Path(root) / "include" / "tables" / "actor_table.h").is_file():
        pytest.skip(f"OOT_DECOMP={root} does not look like a zeldaret/oot checkout")
    return build_index(Path(root))


@pytest.mark.decomp
def test_index_finds_known_definitions(decomp_index: dict[str, set[str]]) -> None:
    # The index itself must work, or the next test would pass vacuously.
    assert exists(decomp_index, "Function", "Actor_Kill")
    assert exists(decomp_index, "Function", "SkelAnime_InitFlex")  # BAD_RETURN(s32) return type
    assert exists(decomp_index, "Struct", "Actor")
    assert exists(decomp_index, "Field", "Actor.world")
    assert not exists(decomp_index, "Field", "Actor.notAMember")
    assert exists(decomp_index, "Global", "gSaveContext")
    assert not exists(decomp_index, "Function", "Actor_NoSuchFunction")
    assert exists(decomp_index, "Actor", "ACTOR_EN_BOX")
    assert len(decomp_index["Function"]) > 5000


@pytest.mark.decomp
def test_builtin_curriculum_entities_exist(decomp_index: dict[str, set[str]]) -> None:
    from ingest.concepts.source import load_builtin

    curriculum = load_builtin()
    missing = [
        f"{c.id} ({curriculum.files[c.id]}): {ref}"
        for c in curriculum.concepts.values()
        for ref in c.refs()
        if not exists(decomp_index, ref.kind, ref.key)
    ]
    assert not missing, "entities not in the decomp:\n" + "\n".join(missing)
