"""Extract C facts from one translation unit with libclang (runs in worker processes).

``extract_tu(job) -> TURecord``: parse the TU with bodies, walk its top-level
declarations once, and return plain tuples (picklable, cacheable, version-free):
functions (definitions and prototypes), call edges (natively, see ``cwalk``),
structs/unions with MIPS sizes/alignments and field offsets, enums, typedefs,
globals, actor/effect profiles (evaluated through libclang, not regex),
``#include "assets/objects/..."`` lines and the parse's diagnostics.

Header declarations are reported once per worker and header: ``covered`` keeps
the headers already walked for a given version key, so the 100+ headers each
actor includes are not re-walked 790 times.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import clang.cindex as ci

from ingest.clangutil import eval_int

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "c-extract-8"
K = ci.CursorKind
_OBJ_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"assets/objects/([^/"]+)/[^"]+\.h"', re.M)
_PROFILE_TYPES = {"ActorProfile": ("id", "category", "flags", "objectId", "instanceSize",
                                   "init", "destroy", "update", "draw"),
                  "EffectSsProfile": ("id", "init")}


@dataclass
class Job:
    tu: str                 # checkout-relative path
    args: list[str]
    root: str
    stub_dir: str
    header_keys: dict[str, str]  # abs header path -> key: walked once per worker per key
    key: str                # cache key of the whole record
    fallback_args: list[str] | None = None  # without the PCH, if parsing with it fails
    extra_deps: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # the PCH's
    claims: dict[str, str] = field(default_factory=dict)  # (header, key)s this parse accounts for
    walk_headers: bool = True  # False: the .c's own declarations only (the headers are known)


@dataclass
class Ents:
    """What one file contributes to one parse."""
    functions: list[tuple] = field(default_factory=list)   # see _function()
    calls: list[tuple] = field(default_factory=list)       # (caller, callee, count)
    indirect: dict[str, int] = field(default_factory=dict)
    runtime_objects: list[tuple] = field(default_factory=list)  # (caller, callee, OBJECT_X)
    structs: list[tuple] = field(default_factory=list)
    enums: list[tuple] = field(default_factory=list)
    typedefs: list[tuple] = field(default_factory=list)
    globals: list[tuple] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TURecord:
    tu: str
    key: str
    sha: str = ""
    main: Ents = field(default_factory=Ents)  # the .c (and the .inc.c files it includes)
    headers: dict[str, Ents] = field(default_factory=dict)  # headers first walked here
    hkeys: dict[str, str] = field(default_factory=dict)     # their keys
    claims: dict[str, str] = field(default_factory=dict)    # headers it answers for (planning)
    object_includes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)    # path -> sha of files it read
    deps: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # abs -> (size, mtime, sha)
    diagnostics: list[tuple] = field(default_factory=list)  # (severity, file, line, message)
    errors: int = 0
    warnings: int = 0
    failed: str | None = None


class _Worker:
    def __init__(self, cache_dir: str) -> None:
        from ingest.cwalk import native_helpers

        self.index = ci.Index.create(excludeDecls=True)
        self.calls, self.toplevel = native_helpers(Path(cache_dir))
        self.covered: set[tuple[str, str]] = set()  # (header, its key) already walked
        self.stat: dict[str, tuple[int, int, str]] = {}

    def dep(self, path: str) -> tuple[int, int, str]:
        got = self.stat.get(path)
        if got is None:
            try:
                st = os.stat(path)
                with open(path, "rb") as fh:
                    got = (st.st_size, st.st_mtime_ns, hashlib.sha1(fh.read()).hexdigest())
            except OSError:
                got = (-1, 0, "")
            self.stat[path] = got
        return got


_W: _Worker | None = None


def init_worker(cache_dir: str) -> None:
    global _W
    _W = _Worker(cache_dir)


def _rel(path: str, root: str, stub_dir: str) -> str:
    if path.startswith(stub_dir):
        return path[len(stub_dir):].lstrip("/")
    if path.startswith(root):
        return path[len(root):].lstrip("/")
    return path


def _type_target(t: ci.Type) -> tuple[str, str] | None:
    """(kind, name) of the named Struct/Enum/Typedef a type refers to, through pointers/arrays."""
    for _ in range(8):
        k = t.kind
        if k == ci.TypeKind.POINTER:
            t = t.get_pointee()
        elif k in (ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY,
                   ci.TypeKind.VARIABLEARRAY):
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
            if ud.spelling == d.spelling or _anonymous(ud):
                return ("Enum" if under.kind == ci.TypeKind.ENUM else "Struct", d.spelling)
        return ("Typedef", d.spelling)
    if k == ci.TypeKind.RECORD:
        d = t.get_declaration()
        return None if _anonymous(d) else ("Struct", d.spelling)
    if k == ci.TypeKind.ENUM:
        d = t.get_declaration()
        return None if _anonymous(d) else ("Enum", d.spelling)
    return None


def _anonymous(d: ci.Cursor) -> bool:
    s = d.spelling
    return not s or "(unnamed" in s or "(anonymous" in s


def _params(c: ci.Cursor) -> list[tuple[str, str, tuple[str, str] | None]]:
    return [(a.spelling, a.type.spelling, _type_target(a.type)) for a in c.get_arguments()]


def _record(c: ci.Cursor, name: str, rel: str) -> tuple:
    t = c.type
    size, align = t.get_size(), t.get_align()
    fields = []
    for i, f in enumerate(c.type.get_fields()):
        fname = f.spelling
        if not fname:
            continue
        off = f.get_field_offsetof()
        fsize = f.type.get_size()
        fields.append((fname, off // 8 if off is not None and off >= 0 else None,
                       fsize if fsize >= 0 else None, f.type.spelling, _type_target(f.type), i,
                       f.is_bitfield()))
    kind = "union" if c.kind == K.UNION_DECL else "struct"
    return (name, kind, size if size >= 0 else None, align if align >= 0 else None, rel,
            c.location.line, fields)


def _enum(c: ci.Cursor, name: str, rel: str) -> tuple:
    consts = [(k.spelling, k.enum_value) for k in c.get_children()
              if k.kind == K.ENUM_CONSTANT_DECL]
    return (name, rel, c.location.line, consts)


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


def _profile(c: ci.Cursor, type_name: str, rel: str) -> dict[str, Any] | None:
    il = _init_list(c)
    if il is None:
        return None
    roles = _PROFILE_TYPES[type_name]
    vals = list(il.get_children())
    out: dict[str, Any] = {"var": c.spelling, "type": type_name, "file": rel,
                           "line": c.location.line}
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


def _global(c: ci.Cursor, rel: str) -> tuple:
    static = c.storage_class == ci.StorageClass.STATIC
    extern = c.storage_class == ci.StorageClass.EXTERN
    return (c.spelling, c.type.spelling, rel, c.location.line, static, not extern,
            _type_target(c.type))


def _function(c: ci.Cursor, rel: str, defined: bool) -> tuple:
    params = _params(c)
    t = c.type
    args = ", ".join(f"{ty} {n}".strip() for n, ty, _ in params)
    if t.kind == ci.TypeKind.FUNCTIONPROTO:
        if t.is_function_variadic():
            args = f"{args}, ..." if args else "..."
        elif not args:
            args = "void"
    ret = c.result_type
    return (c.spelling, f"{ret.spelling} {c.spelling}({args})", ret.spelling,
            json.dumps([{"name": n, "type": ty} for n, ty, _ in params]), rel,
            c.location.line, c.storage_class == ci.StorageClass.STATIC, defined,
            _type_target(ret), [tgt for _, _, tgt in params])


def extract_tu(job: Job) -> TURecord:
    assert _W is not None, "init_worker first"
    rec = TURecord(tu=job.tu, key=job.key)
    path = os.path.join(job.root, job.tu)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        rec.failed = f"unreadable: {e}"
        return rec
    rec.sha = hashlib.sha1(data).hexdigest()
    text = data.decode("utf-8", "replace")
    rec.object_includes = sorted(set(_OBJ_INCLUDE.findall(text)))
    try:
        tu = _W.index.parse(path, args=job.args, options=0)
        if job.fallback_args is not None and any(
                d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
            log.info("%s: errors with the PCH; parsing without it", job.tu)
            tu = _W.index.parse(path, args=job.fallback_args, options=0)
        else:
            rec.deps.update(job.extra_deps)
    except ci.TranslationUnitLoadError as e:
        rec.failed = f"libclang could not parse it: {e}"
        return rec
    root, stub = job.root.rstrip("/") + "/", job.stub_dir.rstrip("/") + "/"
    rec.deps[path] = _W.dep(path)
    for inc in tu.get_includes():
        name = inc.include.name
        if name not in rec.deps:
            rec.deps[name] = _W.dep(name)
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Warning:
            loc = d.location
            f = _rel(loc.file.name, root, stub) if loc.file else job.tu
            rec.diagnostics.append((d.severity, f, loc.line, d.spelling))
            if d.severity >= ci.Diagnostic.Error:
                rec.errors += 1
            else:
                rec.warnings += 1
    covered = _W.covered
    walked_now: set[tuple[str, str]] = set()
    seen_records: set[str] = set()
    cursors, file_of, names = _W.toplevel(tu)
    infos: list[tuple[str, bool, bool]] = []
    for fname in names:
        if not fname:
            infos.append(("", False, True))
            continue
        rel = _rel(fname, root, stub)
        is_stub = fname.startswith(stub)
        is_main = not fname.endswith(".h")
        outside = not is_stub and not fname.startswith(root)
        hk = job.header_keys.get(fname) or ("tu:" + job.key)
        skip = is_stub or outside or (not is_main and (not job.walk_headers
                                                       or (rel, hk) in covered))
        if not is_main and not skip:
            walked_now.add((rel, hk))
            rec.hkeys[rel] = hk
        if not is_stub and not outside:
            rec.files[rel] = _W.dep(fname)[2]
        infos.append((rel, is_main, skip))
    main_defs: set[str] = set()
    for i, fi in enumerate(file_of):
        if infos[fi][1]:
            c = cursors[i]
            if c.kind == K.FUNCTION_DECL and c.is_definition():
                main_defs.add(c.spelling)
    for i, fi in enumerate(file_of):
        rel, is_main, skip = infos[fi]
        if skip:
            continue
        c = cursors[i]
        c._tu = tu
        e = rec.main if is_main else rec.headers.get(rel)
        if e is None:
            e = rec.headers[rel] = Ents()
        kind = c.kind
        if kind == K.FUNCTION_DECL:
            if c.is_definition():
                e.functions.append(_function(c, rel, True))
                name = c.spelling
                n_ind = 0
                for typ, callee, objs in _W.calls(c):
                    if typ == "C":
                        e.calls.append((name, callee, 1))
                        for o in objs:
                            e.runtime_objects.append((name, callee, o))
                    else:
                        n_ind += 1
                if n_ind:
                    e.indirect[name] = e.indirect.get(name, 0) + n_ind
            elif not (is_main and c.spelling in main_defs):  # a forward declaration
                e.functions.append(_function(c, rel, False))
        elif kind in (K.STRUCT_DECL, K.UNION_DECL):
            if c.is_definition():
                if not _anonymous(c) and c.spelling not in seen_records:
                    seen_records.add(c.spelling)
                    e.structs.append(_record(c, c.spelling, rel))
        elif kind == K.ENUM_DECL:
            if c.is_definition() and not _anonymous(c):
                e.enums.append(_enum(c, c.spelling, rel))
            elif c.is_definition():
                e.enums.append(_enum(c, "", rel))  # anonymous: constants still count
        elif kind == K.TYPEDEF_DECL:
            under = c.underlying_typedef_type
            ut = under.get_named_type() if under.kind == ci.TypeKind.ELABORATED else under
            decl = ut.get_declaration() if ut.kind in (ci.TypeKind.RECORD, ci.TypeKind.ENUM) else None
            if decl is not None and decl.is_definition() and _anonymous(decl):
                if ut.kind == ci.TypeKind.RECORD and c.spelling not in seen_records:
                    seen_records.add(c.spelling)
                    e.structs.append(_record(decl, c.spelling, rel))
                elif ut.kind == ci.TypeKind.ENUM:
                    e.enums = [x for x in e.enums
                               if not (x[0] == "" and x[2] == decl.location.line)]
                    e.enums.append(_enum(decl, c.spelling, rel))
            e.typedefs.append((c.spelling, under.spelling, rel, c.location.line,
                                 _type_target(under)))
        elif kind == K.VAR_DECL:
            e.globals.append(_global(c, rel))
            tname = c.type.spelling.replace("const ", "")
            if tname in _PROFILE_TYPES and c.is_definition():
                p = _profile(c, tname, rel)
                if p:
                    e.profiles.append(p)
    covered |= walked_now
    for e in [rec.main, *rec.headers.values()]:
        agg: dict[tuple[str, str], int] = {}
        for a, b, n in e.calls:
            agg[(a, b)] = agg.get((a, b), 0) + n
        e.calls = [(a, b, n) for (a, b), n in agg.items()]
    return rec
