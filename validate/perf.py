"""Level 3: performance and memory on the N64 — what costs cycles or RAM the decomp avoids.

- ``double-literal``: ``1.0`` where the decomp writes ``1.0f`` (f32 everywhere; a double
  literal makes the whole expression double-precision, emulated slowly on the VR4300's
  float path and converted back).
- ``double-math``: libm's double functions (``sqrt``, ``sin``...) instead of ``sqrtf`` or
  the game's ``Math_SinS``/``Math_CosS`` tables.
- ``large-stack-array``: big local arrays on the small game-thread stacks.
- ``alloc-in-frame``: heap allocation in a per-frame update/draw function.
- ``large-instance``: an actor struct bigger than any actor the graph knows in that version.
- ``object-slots``: more objects requested (passed to ``Object_GetSlot`` and friends) than the
  object context has slots.
"""

from __future__ import annotations

import re

from validate import rules
from validate.clex import Braces, Tok, matching
from validate.ctypes_ import SCALAR_CANON
from validate.index import SymbolIndex
from validate.models import Severity
from validate.rules import Emit
from validate.scope import Scope

DOUBLE_FUNCS = {
    "sqrt": "sqrtf",
    "sin": "sinf or Math_SinS",
    "cos": "cosf or Math_CosS",
    "pow": "powf or repeated multiplication",
    "fabs": "fabsf",
    "atan2": "Math_Atan2F",
    "floor": "floorf",
    "ceil": "ceilf",
    "exp": "expf",
    "tan": "tanf",
}
ALLOC_FUNCS = re.compile(
    r"^(ZeldaArena_Malloc\w*|SystemArena_Malloc\w*|DebugArena_Malloc\w*|"
    r"malloc|calloc|realloc|ZELDA_ARENA_MALLOC\w*|SYSTEM_ARENA_MALLOC\w*)$"
)
PER_FRAME = re.compile(r"_(Update|Draw)\w*$")
SCALAR_SIZE = {"int8": 1, "int16": 2, "int32": 4, "int64": 8, "float": 4, "double": 8}
STACK_WARN = 0x400
STACK_ERROR = 0x1000
DEFAULT_OBJECT_SLOTS = 19
_FLOATY = re.compile(r"[.eE]")
_DOUBLE_TYPE = re.compile(r"\b(f64|double)\b")


def type_size(name: str, idx: SymbolIndex, seen: int = 0) -> int | None:
    if name in SCALAR_CANON:
        return SCALAR_SIZE.get(SCALAR_CANON[name])
    s = idx.struct_of(name)
    if s and idx.structs.get(s, (None, None))[0]:
        return idx.structs[s][0]
    return None


class _Walk:
    """What the rules share at each token of one walk over a block."""

    __slots__ = (
        "braces",
        "code",
        "double_lines",
        "emit",
        "idx",
        "lines",
        "n",
        "objects",
        "object_table",
        "scope",
        "toks",
    )

    def __init__(self, toks: list[Tok], code: str, scope: Scope, idx: SymbolIndex, emit: Emit) -> None:
        self.toks = toks
        self.n = len(toks)
        self.code = code
        self.scope = scope
        self.idx = idx
        self.emit = emit
        self.braces = Braces(toks)
        self.lines: list[str] | None = None
        self.double_lines: dict[int, bool] = {}  # line -> it names a double type
        self.objects: set[str] = set()  # objects passed to a loader
        self.object_table = idx.domain.get("Object", {})


def check(toks: list[Tok], code: str, scope: Scope, idx: SymbolIndex, emit: Emit) -> None:
    w = _Walk(toks, code, scope, idx, emit)
    braces = w.braces
    for i, t in enumerate(toks):
        kind = t.kind
        if kind == "op":
            if t.text == "{":
                braces.open(i)
            elif t.text == "}":
                braces.close()
        elif kind == "num":
            _double_literal(w, t)
        elif kind == "id":
            for rule in _NAME_RULES:
                rule(w, i, t)
    _instance(scope, idx, emit)
    _slots(w.objects, idx, emit)


def _double_literal(w: _Walk, t: Tok) -> None:
    txt = t.text
    if not _FLOATY.search(txt) or txt.lower().startswith("0x") or txt.endswith(("f", "F")):
        return
    if w.lines is None:
        w.lines = w.code.split("\n")
    if t.line not in w.double_lines:  # one search per line, not per literal
        line = w.lines[t.line - 1] if t.line - 1 < len(w.lines) else ""
        w.double_lines[t.line] = bool(_DOUBLE_TYPE.search(line))
    if not w.double_lines[t.line]:
        w.emit(
            rules.DOUBLE_LITERAL,
            txt,
            f"{txt} is a double literal; the decomp uses f32: write {txt}f",
            t.line,
            [txt + "f"],
        )


def _object_request(w: _Walk, i: int, t: Tok) -> None:
    """Objects passed to a loader, for ``object-slots`` at the end."""
    if t.text in w.object_table and t.text.startswith("OBJECT_") and _requested(w.toks, i):
        w.objects.add(t.text)


def _is_call(w: _Walk, i: int) -> bool:
    """The name at ``i`` is called (not a member named like a function)."""
    return i + 1 < w.n and w.toks[i + 1].text == "(" and not (i > 0 and w.toks[i - 1].text in (".", "->"))


def _double_math(w: _Walk, i: int, t: Tok) -> None:
    if t.text in DOUBLE_FUNCS and t.text not in w.scope.funcs and _is_call(w, i):
        w.emit(
            rules.DOUBLE_MATH,
            t.text,
            f"{t.text}() computes in double precision; use {DOUBLE_FUNCS[t.text]}",
            t.line,
            [DOUBLE_FUNCS[t.text].split(" ")[0]],
        )


def _alloc_in_frame(w: _Walk, i: int, t: Tok) -> None:
    func = w.braces.func
    if func and ALLOC_FUNCS.match(t.text) and _is_call(w, i) and _per_frame(func, w.scope):
        w.emit(
            rules.ALLOC_IN_FRAME,
            t.text,
            f"{t.text} in {func}, which runs every frame: allocate once in Init and "
            "free in Destroy (per-frame heap use fragments the zelda arena)",
            t.line,
            [],
        )


def _large_stack_array(w: _Walk, i: int, t: Tok) -> None:
    """A local array ``Type name[N];`` of more than STACK_WARN bytes."""
    toks, idx = w.toks, w.idx
    if (
        w.braces.depth < 1
        or i + 2 >= w.n
        or toks[i + 1].text == "("
        or toks[i + 1].kind != "id"
        or toks[i + 2].text != "["
    ):
        return
    if not (t.text in SCALAR_CANON or idx.is_type(t.text) or t.text in w.scope.structs):
        return
    if i > 0 and toks[i - 1].text == "static" or i > 1 and toks[i - 2].text == "static":
        return
    close = matching(toks, i + 2)
    dim = _dim(toks[i + 3 : close], idx)
    size = type_size(t.text, idx)
    if dim is None or size is None or dim * size <= STACK_WARN:
        return
    total = dim * size
    w.emit(
        rules.LARGE_STACK_ARRAY,
        toks[i + 1].text,
        f"local array {toks[i + 1].text} takes {total:#x} bytes of stack; the game "
        "threads' stacks are a few KiB: make it static or allocate it in Init",
        t.line,
        [],
        Severity.error if total > STACK_ERROR else None,
    )


# the rules that look at a name, in the order their issues are reported for it
_NAME_RULES = (_object_request, _double_math, _alloc_in_frame, _large_stack_array)


def _dim(toks: list[Tok], idx: SymbolIndex) -> int | None:
    if len(toks) == 1:
        t = toks[0]
        if t.kind == "num":
            try:
                return int(t.text.rstrip("uUlL"), 0)
            except ValueError:
                return None
        v = idx.defines.get(t.text)
        return v if isinstance(v, int) else None
    return None


def _per_frame(func: str, scope: Scope) -> bool:
    if PER_FRAME.search(func):
        return True
    return bool(scope.actor and func in (scope.actor.profile.get("update"), scope.actor.profile.get("draw")))


def _instance(scope: Scope, idx: SymbolIndex, emit: Emit) -> None:
    if not scope.structs:
        return
    if "largest_actor" not in idx.memo:
        sizes = [(a.instance_size, a.enum) for a in idx.actors.values() if a.instance_size]
        idx.memo["largest_actor"] = max(sizes) if sizes else None
    if idx.memo["largest_actor"] is None:
        return
    biggest, who = idx.memo["largest_actor"]
    for name, members in scope.structs.items():
        if not members or "actor" not in members and "dyna" not in members:
            continue
        total = 0
        for ct in members.values():
            if ct is None:
                return
            if ct.ptr:
                total += 4
                continue
            s = type_size(ct.base, idx)
            if s is None:
                return
            total += s
        if total > biggest:
            emit(
                rules.LARGE_INSTANCE,
                name,
                f"{name} is at least {total:#x} bytes, larger than any actor in {idx.version} "
                f"(largest: {who}, {biggest:#x}); actor instances live on the zelda arena",
                None,
                [],
            )


_OBJECT_LOADERS = {"Object_GetSlot", "Object_SpawnPersistent", "Object_Spawn", "Object_IsLoaded"}


def _requested(toks: list[Tok], i: int) -> bool:
    """An object passed to a loader (``Object_GetSlot(&play->objectCtx, OBJECT_DOG)``): a table
    of object ids is not a request for all of them at once."""
    for j in range(i - 1, max(-1, i - 8), -1):
        t = toks[j]
        if t.text in (";", "{", "}", "="):
            return False
        if t.kind == "id" and t.text in _OBJECT_LOADERS:
            return True
    return False


def _slots(objs: set[str], idx: SymbolIndex, emit: Emit) -> None:
    limit = idx.defines.get("OBJECT_SLOT_MAX") or DEFAULT_OBJECT_SLOTS
    if isinstance(limit, int) and len(objs) > limit:
        emit(
            rules.OBJECT_SLOTS,
            None,
            f"{len(objs)} objects named, more than the {limit} object slots of a scene",
            None,
            [],
        )
