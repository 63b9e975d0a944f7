"""What each top-level declaration of a parse yields, as plain tuples (``ingest.c.extract`` files them).

Two ways to the same entries: ``python_decls`` asks libclang through the Python bindings,
cursor by cursor and property by property (several us per call: ~10 ms per TU);
``native_decls`` decodes the text ``ootkg_describe`` (``native/ootkg_walk.c``) makes in one
call. Entries, in cursor order (``fi`` = the cursor's file index, ``i`` = its index):

    ("F", fi, i, defined, function, body | None)   see _function; body: ingest.c.walk.BodyFact list
    ("D", fi, i, name)            a function defined in a main file that is not walked
    ("S", fi, i, name, record)    a named struct/union definition, see _record
    ("E", fi, i, enum)            an enum definition ("" for an anonymous one), see _enum
    ("T", fi, i, typedef, anon)   anon: None, ("R", record) or ("E", enum) it defines
    ("V", fi, i, global, defined) see _global

Functions, records and globals carry the first and last line of their extent; ``ingest.c.extract``
adds the text of those lines (a definition's source as written).

Entries are tuples all the way down (hashable: the run holds one object for the equal
entries of many records, see ``ingest.c.plan.jobs.Slimmer``).

``want[fi]``: 0 skip the file, 1 walk it, 2 walk it (a main file), 3 a main file not walked
(its function definitions' names only, for telling forward declarations apart).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any

import clang.cindex as ci

from ingest.c.clangutil import eval_int

K = ci.CursorKind
PROFILE_TYPES = {
    "ActorProfile": ("id", "category", "flags", "objectId", "instanceSize", "init", "destroy", "update", "draw"),
    "EffectSsProfile": ("id", "init"),
}
Target = tuple[str, str] | None


def _type_target(t: ci.Type) -> Target:
    """(kind, name) of the named Struct/Enum/Typedef a type refers to, through pointers/arrays."""
    for _ in range(8):
        k = t.kind
        if k == ci.TypeKind.POINTER:
            t = t.get_pointee()
        elif k in (ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY, ci.TypeKind.VARIABLEARRAY):
            t = t.element_type
        elif k == ci.TypeKind.ELABORATED:
            t = t.get_named_type()
        else:
            break
    k = t.kind
    if k == ci.TypeKind.TYPEDEF:
        d = t.get_declaration()
        under = d.underlying_typedef_type
        if under.kind == ci.TypeKind.ELABORATED:
            under = under.get_named_type()
        if under.kind in (ci.TypeKind.RECORD, ci.TypeKind.ENUM):
            ud = under.get_declaration()
            if ud.spelling == d.spelling or anonymous(ud):
                return ("Enum" if under.kind == ci.TypeKind.ENUM else "Struct", d.spelling)
        return ("Typedef", d.spelling)
    if k == ci.TypeKind.RECORD:
        d = t.get_declaration()
        return None if anonymous(d) else ("Struct", d.spelling)
    if k == ci.TypeKind.ENUM:
        d = t.get_declaration()
        return None if anonymous(d) else ("Enum", d.spelling)
    return None


def anonymous(d: ci.Cursor) -> bool:
    return _anonymous_name(d.spelling)


def _anonymous_name(s: str) -> bool:
    return not s or "(unnamed" in s or "(anonymous" in s


def _fields(t: ci.Type, base: int | None, prefix: str, counter: list[int], out: list[tuple]) -> None:
    """``ootkg_walk.c``'s field_visitor: every named member, those of anonymous-type members
    flattened ("inner" for an unnamed member's, "member.inner" for a named one's), offsets
    from the outermost record."""
    for f in t.get_fields():
        i = counter[0]
        counter[0] += 1
        fname = f.spelling
        if _anonymous_name(fname):  # "union X::(anonymous at ...)": an unnamed member
            fname = ""
        off = f.get_field_offsetof()
        absolute = base + off if off is not None and off >= 0 and base is not None else None
        ft = f.type
        rt = ft.get_named_type() if ft.kind == ci.TypeKind.ELABORATED else ft
        anon_rec = rt.kind == ci.TypeKind.RECORD and anonymous(rt.get_declaration())
        if fname:
            fsize = ft.get_size()
            bf = f.is_bitfield()
            out.append(
                (
                    prefix + fname,
                    absolute // 8 if absolute is not None else None,
                    fsize if fsize >= 0 else None,
                    ft.spelling,
                    _type_target(ft),
                    i,
                    bf,
                    absolute,
                    f.get_bitfield_width() if bf else None,
                )
            )
        if anon_rec:
            _fields(rt, absolute, prefix + (fname + "." if fname else ""), counter, out)


def _extent(c: ci.Cursor) -> tuple[int, int]:
    e = c.extent
    return e.start.line, e.end.line


def _record(c: ci.Cursor, name: str, rel: str) -> tuple:
    """(name, kind, size, align, file, line, fields, first line, last line); a field is
    (name, byte offset, size, type, target, index, bitfield, bit offset, bit width)."""
    t = c.type
    size, align = t.get_size(), t.get_align()
    fields: list[tuple] = []
    _fields(c.type, 0, "", [0], fields)
    kind = "union" if c.kind == K.UNION_DECL else "struct"
    return (
        name,
        kind,
        size if size >= 0 else None,
        align if align >= 0 else None,
        rel,
        c.location.line,
        tuple(fields),
        *_extent(c),
    )


def _enum(c: ci.Cursor, name: str, rel: str) -> tuple:
    consts = [(k.spelling, k.enum_value) for k in c.get_children() if k.kind == K.ENUM_CONSTANT_DECL]
    return (name, rel, c.location.line, tuple(consts))


def _initializer(c: ci.Cursor) -> ci.Cursor | None:
    fn = ci.conf.lib.clang_Cursor_getVarDeclInitializer
    if fn.restype is not ci.Cursor:
        fn.argtypes, fn.restype = [ci.Cursor], ci.Cursor
    got = fn(c)
    if got is None or ci.conf.lib.clang_Cursor_isNull(got):
        return None
    got._tu = c._tu
    return got


def _function_refs(init: ci.Cursor) -> tuple[str, ...]:
    out: list[str] = []

    def visit(n: ci.Cursor) -> None:
        if n.kind == K.DECL_REF_EXPR:
            r = n.referenced
            if r is not None and r.kind == K.FUNCTION_DECL:
                out.append(r.spelling)
            return
        for k in n.get_children():
            visit(k)

    if init.kind == K.DECL_REF_EXPR:
        visit(init)
    else:
        for k in init.get_children():
            visit(k)
    return tuple(out)


def _global(c: ci.Cursor, rel: str) -> tuple:
    """(name, type, file, line, static, not extern, target, first line, last line,
    has initializer, functions the initializer names)"""
    static = c.storage_class == ci.StorageClass.STATIC
    extern = c.storage_class == ci.StorageClass.EXTERN
    init = _initializer(c)
    return (
        c.spelling,
        c.type.spelling,
        rel,
        c.location.line,
        static,
        not extern,
        _type_target(c.type),
        *_extent(c),
        init is not None,
        _function_refs(init) if init is not None else (),
    )


def _function_tuple(
    name: str,
    line: int,
    static: bool,
    ret: str,
    ret_target: Target,
    proto: bool,
    variadic: bool,
    params: Sequence[tuple[str, str, Target]],
    rel: str,
    defined: bool,
    start: int,
    end: int,
) -> tuple:
    args = ", ".join(f"{ty} {n}".strip() for n, ty, _ in params)
    if proto:
        if variadic:
            args = f"{args}, ..." if args else "..."
        elif not args:
            args = "void"
    # json.dumps([{"name": n, "type": ty}, ...]) with its default separators, spelled out
    params_json = "[" + ", ".join(f'{{"name": {_json_str(n)}, "type": {_json_str(ty)}}}' for n, ty, _ in params) + "]"
    return (
        name,
        f"{ret} {name}({args})",
        ret,
        params_json,
        rel,
        line,
        static,
        defined,
        ret_target,
        tuple(tgt for _, _, tgt in params),
        start,
        end,
    )


def _function(c: ci.Cursor, rel: str, defined: bool) -> tuple:
    params = [(a.spelling, a.type.spelling, _type_target(a.type)) for a in c.get_arguments()]
    t = c.type
    proto = t.kind == ci.TypeKind.FUNCTIONPROTO
    ret = c.result_type
    return _function_tuple(
        c.spelling,
        c.location.line,
        c.storage_class == ci.StorageClass.STATIC,
        ret.spelling,
        _type_target(ret),
        proto,
        proto and t.is_function_variadic(),
        params,
        rel,
        defined,
        *_extent(c),
    )


def python_decls(
    cursors: Any, file_of: Sequence[int], want: Sequence[int], rels: Sequence[str], calls: Callable[[ci.Cursor], list]
) -> list[tuple]:
    out: list[tuple] = []
    for i, fi in enumerate(file_of):
        w = want[fi]
        if not w:
            continue
        c = cursors[i]
        kind = c.kind
        if w == 3:
            if kind == K.FUNCTION_DECL and c.is_definition():
                out.append(("D", fi, i, c.spelling))
            continue
        rel = rels[fi]
        if kind == K.FUNCTION_DECL:
            d = c.is_definition()
            out.append(("F", fi, i, d, _function(c, rel, d), calls(c) if d else None))
        elif kind in (K.STRUCT_DECL, K.UNION_DECL):
            if c.is_definition() and not anonymous(c):
                out.append(("S", fi, i, c.spelling, _record(c, c.spelling, rel)))
        elif kind == K.ENUM_DECL:
            if c.is_definition():
                out.append(("E", fi, i, _enum(c, "" if anonymous(c) else c.spelling, rel)))
        elif kind == K.TYPEDEF_DECL:
            under = c.underlying_typedef_type
            ut = under.get_named_type() if under.kind == ci.TypeKind.ELABORATED else under
            decl = ut.get_declaration() if ut.kind in (ci.TypeKind.RECORD, ci.TypeKind.ENUM) else None
            anon = None
            if decl is not None and decl.is_definition() and anonymous(decl):
                anon = (
                    ("R", _record(decl, c.spelling, rel))
                    if ut.kind == ci.TypeKind.RECORD
                    else ("E", _enum(decl, c.spelling, rel))
                )
            out.append(("T", fi, i, (c.spelling, under.spelling, rel, c.location.line, _type_target(under)), anon))
        elif kind == K.VAR_DECL:
            out.append(("V", fi, i, _global(c, rel), c.is_definition()))
    return out


# ---- the native helper's text (see ootkg_describe) ----------------------------------------

RS, US, GS, FS = "\x1e", "\x1f", "\x1d", "\x1c"
_KINDS = {"S": "Struct", "E": "Enum", "T": "Typedef"}


def _target(s: str) -> Target:
    return (_KINDS[s[0]], s[1:]) if s else None


def _int(s: str) -> int | None:
    return int(s) if s else None


def _native_record(name: str, rel: str, p: list[str]) -> tuple:
    """p: union, size, align, line, fields, start, end"""
    fields = []
    if p[4]:
        for item in p[4].split(GS):
            f = item.split(FS)
            bf = f[6] == "1"
            fields.append(
                (
                    f[0],
                    _int(f[1]),
                    _int(f[2]),
                    f[3],
                    _target(f[4]),
                    int(f[5]),
                    bf,
                    _int(f[7]),
                    _int(f[8]) if bf else None,
                )
            )
    return (
        name,
        "union" if p[0] else "struct",
        _int(p[1]),
        _int(p[2]),
        rel,
        int(p[3]),
        tuple(fields),
        int(p[5]),
        int(p[6]),
    )


def _native_enum(name: str, rel: str, line: str, consts: str) -> tuple:
    out = []
    if consts:
        for item in consts.split(GS):
            n, v = item.split(FS)
            out.append((n, int(v)))
    return (name, rel, int(line), tuple(out))


def _native_calls(s: str) -> list[tuple]:
    """``ootkg_calls`` items (FS fields, GS items) as ``ingest.c.walk.BodyFact`` tuples."""
    from ingest.c.walk import body_fact

    return [body_fact(item.split(FS)) for item in s.split(GS)] if s else []


def native_decls(text: str, file_of: Sequence[int], rels: Sequence[str]) -> list[tuple]:
    out: list[tuple] = []
    if not text:
        return out
    for ent in text.split(RS):
        p = ent.split(US)
        k = p[0]
        if k == "D":
            out.append(("D", -1, -1, p[1]))
            continue
        i = int(p[1])
        fi = file_of[i]
        rel = rels[fi]
        if k == "F":
            defined = p[2] == "1"
            params = [tuple(x.split(FS)) for x in p[10].split(GS)] if p[10] else []
            fn = _function_tuple(
                p[3],
                int(p[4]),
                p[5] == "1",
                p[6],
                _target(p[7]),
                p[8] == "1",
                p[9] == "1",
                [(n, ty, _target(tg)) for n, ty, tg in params],
                rel,
                defined,
                int(p[12]),
                int(p[13]),
            )
            out.append(("F", fi, i, defined, fn, _native_calls(p[11]) if defined else None))
        elif k == "S":
            out.append(("S", fi, i, p[2], _native_record(p[2], rel, p[3:10])))
        elif k == "E":
            out.append(("E", fi, i, _native_enum(p[2], rel, p[3], p[4])))
        elif k == "T":
            name = p[2]
            anon = None
            if p[6] == "R":
                anon = ("R", _native_record(name, rel, p[7:14]))
            elif p[6] == "E":
                anon = ("E", _native_enum(name, rel, p[7], p[8]))
            out.append(("T", fi, i, (name, p[3], rel, int(p[4]), _target(p[5])), anon))
        elif k == "V":
            refs = tuple(p[12].split(GS)) if p[12] else ()
            out.append(
                (
                    "V",
                    fi,
                    i,
                    (
                        p[2],
                        p[3],
                        rel,
                        int(p[4]),
                        p[5] == "1",
                        p[6] != "1",
                        _target(p[7]),
                        int(p[9]),
                        int(p[10]),
                        p[11] == "1",
                        refs,
                    ),
                    p[8] == "1",
                )
            )
    return out


# ---- actor/effect profiles (few: always through the bindings) ------------------------------


def _init_list(c: ci.Cursor) -> ci.Cursor | None:
    for k in c.get_children():
        if k.kind == K.INIT_LIST_EXPR:
            return k
    return None


def _spelled(e: ci.Cursor) -> str | None:
    """The identifier an initializer names (enum constant, function), through casts/parens."""
    for _ in range(6):
        if e.kind == K.DECL_REF_EXPR:
            return e.referenced.spelling if e.referenced is not None else e.spelling
        kids = list(e.get_children())
        if len(kids) != 1:
            return None
        e = kids[0]
    return None


def profile(c: ci.Cursor, type_name: str, rel: str) -> dict[str, Any] | None:
    il = _init_list(c)
    if il is None:
        return None
    roles = PROFILE_TYPES[type_name]
    vals = list(il.get_children())
    out: dict[str, Any] = {"var": c.spelling, "type": type_name, "file": rel, "line": c.location.line}
    for role, e in zip(roles, vals, strict=False):
        if role in ("init", "destroy", "update", "draw"):
            out[role] = _spelled(e)  # None for NULL
        elif role == "instanceSize":
            out[role] = eval_int(e)
            st = None
            for k in e.walk_preorder():
                if k.kind == K.TYPE_REF:
                    st = k.referenced.spelling if k.referenced is not None else None
                    break
            out["instance_struct"] = st
        else:
            out[role] = eval_int(e)
            out[role + "_name"] = _spelled(e)
    return out
