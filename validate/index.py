"""SymbolIndex: what the graph knows about one game version, loaded once into dicts.

A handful of bulk queries per version (functions, structs, fields, typedefs,
constants, domain tables, addresses, object dependencies); every per-example check
is then a dict lookup. Names absent from the version are looked up across all
versions on demand (for ``not-in-version``) and cached.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from kg.names import NameList, spend_lookup
from kg.names import lookup_budget as lookup_budget  # the validator's entry points use it

log = logging.getLogger(__name__)


@dataclass(slots=True)
class FuncInfo:
    name: str
    return_type: str | None
    params: list[tuple[str, str]] | None  # (name, type); None when the graph has no params
    variadic: bool = False
    signature: str | None = None


@dataclass(slots=True)
class FieldInfo:
    struct: str
    name: str
    offset: int | None
    size: int | None  # None for a bitfield (see bit_offset/bit_width)
    type: str | None
    bit_offset: int | None = None  # a bitfield's offset in bits from the struct's start
    bit_width: int | None = None


@dataclass(slots=True)
class ActorInfo:
    enum: str
    id: int | None
    object: str | None
    instance_size: int | None
    instance_struct: str | None
    file: str | None
    objects: set[str] = field(default_factory=set)
    profile: dict[str, str] = field(default_factory=dict)  # role -> function
    overlay: str | None = None
    profile_id_enum: str | None = None  # the id its profile names (another actor's, rarely)


# Domain tables whose enum names code uses; kind -> (key prop, id prop)
DOMAIN_KINDS: dict[str, str] = {
    "Actor": "ACTOR_",
    "Object": "OBJECT_",
    "Scene": "SCENE_",
    "Sequence": "NA_BGM_",
    "Sfx": "NA_SE_",
    "EffectSs": "EFFECT_SS_",
    "Entrance": "ENTR_",
    "GameState": "GAMESTATE_",
}
_KEYED_BY_NAME = ("Function", "Struct", "Typedef", "Enum", "EnumConstant", "Global", "Define")


def table_id(node_id: Any, text: Any) -> int | None:
    """A table entry's id in one version: the ``id`` of its ``IN_VERSION`` edge's ``text``
    (JSON of what differs in that version; written only when something does), else the node's
    ``id`` (its position in the table). Never the edge's ``value``: an Actor's holds the flags
    of its profile (ingest.c_profiles), so the id must not be read from there."""
    if text:
        try:
            diff = json.loads(text)
        except ValueError:
            diff = None
        if isinstance(diff, dict) and isinstance(diff.get("id"), int):
            return diff["id"]
    return node_id if isinstance(node_id, int) else None


def _first(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def _params(raw: Any) -> list[tuple[str, str]] | None:
    if raw is None or raw == "":
        return None
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    out = []
    for p in data or []:
        if isinstance(p, dict):
            out.append((str(p.get("name") or ""), str(p.get("type") or "")))
        elif isinstance(p, list | tuple) and len(p) == 2:
            out.append((str(p[0]), str(p[1])))
        elif isinstance(p, str):
            out.append(("", p))
    return out


class SymbolIndex:
    def __init__(self, version: str) -> None:
        self.version = version
        self.functions: dict[str, FuncInfo] = {}
        self.structs: dict[str, tuple[int | None, int | None]] = {}  # name -> (size, align)
        self.fields: dict[str, dict[str, FieldInfo]] = {}
        self.typedefs: dict[str, str] = {}
        self.enums: set[str] = set()
        self.constants: dict[str, int | None] = {}  # enum constants
        self.defines: dict[str, int | None] = {}
        self.define_bodies: dict[str, str] = {}
        self.macro_params: dict[str, str] = {}  # function-like macro -> "(a, b)"
        self.unions: set[str] = set()
        self.globals: dict[str, str | None] = {}
        self.statics: dict[str, str | None] = {}  # file-local variables, by name (any file)
        self.object_segments: dict[str, str] = {}  # object enum -> its segment (object_md)
        self.actors: dict[str, ActorInfo] = {}
        self.domain: dict[str, dict[str, int | None]] = {k: {} for k in DOMAIN_KINDS}
        self.addresses: dict[str, list[tuple[int, str | None]]] = {}
        self.assets: dict[str, str | None] = {}  # asset symbol -> object enum
        self.versions: list[str] = []
        self._lists: dict[str, NameList] = {}
        # what the checks derive from this version's facts (families, params...), built once
        self.memo: dict[str, Any] = {}
        self._elsewhere: dict[str, list[str]] = {}
        self._store: Any = None
        self._derived: Any = None  # kg.derived.DerivedCache, when the index came from one
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = {k: getattr(self, k) for k in self.__dict__}
        state.pop("_store", None)
        state.pop("_derived", None)
        state.pop("_lock", None)
        state["memo"], state["_elsewhere"], state["_lists"] = {}, {}, {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._store = None
        self._derived = None
        self._lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, store: Any, version: str) -> SymbolIndex:
        idx = cls(version)
        idx._store = store
        p = {"version": version}
        run = store.run
        idx.versions = [r["id"] for r in run("MATCH (v:Version) RETURN v.id AS id, v.ordinal AS o ORDER BY o")]

        for r in run(
            "MATCH (f:Function)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN f.name AS name, r.signature AS sig, r.return_type AS ret, "
            "r.params AS params, f.signature AS fsig, f.return_type AS fret, "
            "f.params AS fparams",
            p,
        ):
            sig = _first(r["sig"], r["fsig"])
            params = _params(_first(r["params"], r["fparams"]))
            variadic = bool(sig and "..." in sig)
            if params:
                variadic = variadic or any(t == "..." or n == "..." for n, t in params)
                params = [(n, t) for n, t in params if t != "..." and n != "..."]
            idx.functions[r["name"]] = FuncInfo(r["name"], _first(r["ret"], r["fret"]), params, variadic, sig)

        for r in run(
            "MATCH (s:Struct)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN s.name AS name, r.size AS size, r.align AS align, "
            "s.size AS ssize, s.align AS salign, s.kind AS kind",
            p,
        ):
            idx.structs[r["name"]] = (_first(r["size"], r["ssize"]), _first(r["align"], r["salign"]))
            if r["kind"] == "union":
                idx.unions.add(r["name"])

        for r in run(
            "MATCH (f:Field)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN f.struct AS struct, f.name AS name, r.offset AS off, r.size AS size, "
            "r.type AS type, f.offset AS foff, f.size AS fsize, f.type AS ftype, "
            "f.bit_offset AS boff, f.bit_width AS bwidth",
            p,
        ):
            idx.fields.setdefault(r["struct"], {})[r["name"]] = FieldInfo(
                r["struct"],
                r["name"],
                _first(r["off"], r["foff"]),
                None if r["bwidth"] is not None else _first(r["size"], r["fsize"]),
                _first(r["type"], r["ftype"]),
                r["boff"],
                r["bwidth"],
            )

        for r in run(
            "MATCH (t:Typedef)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN t.name AS name, r.type AS type, t.underlying AS u",
            p,
        ):
            idx.typedefs[r["name"]] = _first(r["type"], r["u"]) or ""
        for r in run("MATCH (e:Enum)-[:IN_VERSION]->(v:Version {id: $version}) RETURN e.name AS name", p):
            idx.enums.add(r["name"])
        for r in run(
            "MATCH (c:EnumConstant)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN c.name AS name, r.value AS value, c.value AS cvalue",
            p,
        ):
            idx.constants[r["name"]] = _first(r["value"], r["cvalue"])
        for r in run(
            "MATCH (d:Define)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN d.name AS name, r.value AS value, d.value AS dvalue, "
            "r.text AS text, d.body AS body, d.params AS params, "
            "d.function_like AS fl",
            p,
        ):
            idx.defines[r["name"]] = _first(r["value"], r["dvalue"])
            if r["fl"] and r["params"]:
                idx.macro_params[r["name"]] = r["params"]
            body = _first(r["text"], r["body"])
            if body:
                idx.define_bodies[r["name"]] = body
        for r in run(
            "MATCH (g:Global)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN g.name AS name, r.type AS type, g.type AS gtype, "
            "g.static AS st",
            p,
        ):
            # a file's static is no name other files see (many files have an sInitChain)
            table = idx.statics if r["st"] else idx.globals
            t = _first(r["type"], r["gtype"])
            if r["name"] in table and table[r["name"]] != t:
                t = None
            table[r["name"]] = t
        for name in idx.statics.keys() & idx.globals.keys():
            idx.globals[name] = None  # one file's global, another's static: which is meant?
        # names declared for their address (extern u8 X[]): known names, not data
        for r in run(
            "MATCH (g:LinkerSymbol)-[:IN_VERSION]->(v:Version {id: $version}) RETURN g.name AS name, g.type AS type", p
        ):
            idx.globals.setdefault(r["name"], r["type"])

        idx._load_domain(run, p)
        for r in run(
            "MATCH (n)-[r:LOCATED_AT]->(v:Version {id: $version}) "
            "RETURN n.name AS name, r.address AS address, r.source AS source",
            p,
        ):
            if r["name"] is not None and r["address"] is not None:
                idx.addresses.setdefault(r["name"], []).append((int(r["address"]), r["source"]))
        log.info(
            "index %s: %d functions, %d structs, %d actors",
            version,
            len(idx.functions),
            len(idx.structs),
            len(idx.actors),
        )
        return idx

    def _load_domain(self, run: Any, p: dict[str, Any]) -> None:
        for kind in DOMAIN_KINDS:
            rows = run(
                f"MATCH (n:{kind})-[r:IN_VERSION]->(v:Version {{id: $version}}) "
                "RETURN n.enum AS name, n.id AS id, r.text AS text",
                p,
            )
            if not rows:
                # a table ingested without per-version edges holds for every version
                rows = run(f"MATCH (n:{kind}) RETURN n.enum AS name, n.id AS id")
            self.domain[kind] = {r["name"]: table_id(r["id"], r.get("text")) for r in rows}

        actor_rows = run(
            "MATCH (a:Actor)-[r:IN_VERSION]->(v:Version {id: $version}) "
            "RETURN a.enum AS name, a.id AS id, r.text AS text, r.size AS size, "
            "a.instance_size AS isize, a.instance_struct AS istruct, "
            "a.object AS object, a.file AS file, a.overlay AS overlay, "
            "a.profile_id_enum AS pid",
            p,
        )
        if not actor_rows:
            actor_rows = run(
                "MATCH (a:Actor) RETURN a.enum AS name, a.id AS id, "
                "a.instance_size AS size, a.instance_size AS isize, "
                "a.instance_struct AS istruct, a.object AS object, a.file AS file, "
                "a.overlay AS overlay, a.profile_id_enum AS pid"
            )
        for r in actor_rows:
            self.actors[r["name"]] = ActorInfo(
                r["name"],
                table_id(r["id"], r.get("text")),
                r["object"],
                _first(r["size"], r["isize"]),
                r["istruct"],
                r["file"],
                overlay=r["overlay"],
                profile_id_enum=r["pid"],
            )
        for r in run(
            "MATCH (a:Actor)-[u:USES_OBJECT]->(o:Object) "
            "RETURN a.enum AS actor, o.enum AS object, u.versions AS versions"
        ):
            vs = r["versions"]
            if vs and p["version"] not in vs:
                continue
            if r["actor"] in self.actors:
                self.actors[r["actor"]].objects.add(r["object"])
        for r in run(
            "MATCH (a:Actor)-[r:PROFILE_FN]->(f:Function) RETURN a.enum AS actor, r.role AS role, f.name AS fn"
        ):
            if r["actor"] in self.actors:
                self.actors[r["actor"]].profile[r["role"]] = r["fn"]
        for r in run("MATCH (o:Object)-[:HAS_ASSET]->(a:Asset) RETURN a.name AS name, o.enum AS object"):
            if r["name"]:
                self.assets[r["name"]] = r["object"]
        for r in run("MATCH (o:Object) RETURN o.enum AS name, o.segment AS seg"):
            if r["seg"]:
                self.object_segments[r["name"]] = r["seg"]

    # -- lookups ----------------------------------------------------------------------------

    def actor_by_struct(self, struct: str) -> ActorInfo | None:
        """The first actor whose instance struct is ``struct``."""
        first = self.memo.get("first_actor_by_struct")
        if first is None:
            first = {}
            for a in self.actors.values():
                first.setdefault(a.instance_struct, a)
            self.memo["first_actor_by_struct"] = first
        return first.get(struct)

    def field_types(self, struct: str) -> dict[str, Any] | None:
        """Member name -> parsed type of a struct (through typedefs), cached."""
        cache = self.__dict__.setdefault("_ftypes", {})
        if struct not in cache:
            from validate.ctypes_ import parse_type

            real = self.struct_of(struct)
            cache[struct] = (
                {n: parse_type(f.type) for n, f in self.fields[real].items()} if real and real in self.fields else None
            )
        return cache[struct]

    def is_type(self, name: str) -> bool:
        return name in self.typedefs or name in self.structs or name in self.enums

    def struct_of(self, type_name: str | None) -> str | None:
        """The struct a type names, through typedefs (``EnHorse`` -> ``EnHorse``)."""
        seen = 0
        t = (type_name or "").strip()
        while t and seen < 8:
            seen += 1
            t = t.replace("struct ", "").replace("union ", "").replace("const ", "").strip()
            if t in self.fields or (t in self.structs and t not in self.typedefs):
                return t
            nxt = self.typedefs.get(t)
            if nxt is None or nxt == t:
                return t if t in self.structs else None
            t = nxt
        return None

    def names_of(self, kind: str) -> NameList:
        with self._lock:
            nl = self._lists.get(kind)
            if nl is None:
                src: Any = {
                    "Function": self.functions,
                    "Define": self.defines,
                    "Global": self.globals,
                    "Constant": set(self.constants) | set(self.defines),
                    "Type": set(self.typedefs) | set(self.structs) | self.enums,
                }.get(kind)
                if src is None and kind in DOMAIN_KINDS:
                    src = self.domain[kind]
                if src is None and kind.startswith("Field:"):
                    src = self.fields.get(kind[6:], {})
                nl = NameList(set(src or ()))
                self._lists[kind] = nl
            return nl

    def elsewhere(self, name: str) -> list[str]:
        """Versions (other than this one) where the graph has ``name``, any kind."""
        with self._lock:
            if name in self._elsewhere:
                return self._elsewhere[name]
        if not spend_lookup():
            return []
        found: set[str] = set()
        if self._store is not None:
            for kind in (*_KEYED_BY_NAME, *DOMAIN_KINDS):
                key = "enum" if kind in DOMAIN_KINDS else "name"
                try:
                    rows = self._store.run(
                        f"MATCH (n:{kind} {{{key}: $name}})-[:IN_VERSION]->(v:Version) RETURN v.id AS version",
                        {"name": name},
                    )
                except Exception:  # noqa: BLE001 - a store without that table
                    continue
                found.update(r["version"] for r in rows)
        found.discard(self.version)
        order = {v: i for i, v in enumerate(self.versions)}
        out = sorted(found, key=lambda v: order.get(v, 999))
        with self._lock:
            self._elsewhere[name] = out
        return out


class IndexCache:
    """One SymbolIndex per version, built on first use (thread-safe); with a derived cache
    (``kg.derived``) a version's index is read back from an earlier run on the same graph."""

    def __init__(self, store: Any, derived: Any = None) -> None:
        self.store = store
        self.derived = derived
        self._by_version: dict[str, SymbolIndex] = {}
        self._lock = threading.Lock()

    def get(self, version: str) -> SymbolIndex:
        from kg.store import QueryError, StoreError

        try:
            return self._get(version)
        except QueryError as e:
            if "Cannot find property" not in e.store_message:
                raise
            raise StoreError(
                f"The graph was built by an older ootkg ({e.store_message.strip()}"
                "): run `ootkg ingest` again to rebuild it with this version's "
                "schema."
            ) from None

    def _get(self, version: str) -> SymbolIndex:
        with self._lock:
            idx = self._by_version.get(version)
            if idx is None:
                if self.derived is not None:
                    idx = self.derived.get(
                        f"symbols-{version}", lambda: SymbolIndex.load(self.store, version), salt=_code_salt()
                    )
                    idx._store, idx._derived = self.store, self.derived
                else:
                    idx = SymbolIndex.load(self.store, version)
                self._by_version[version] = idx
            return idx

    def known_versions(self) -> list[str]:
        rows = self.store.run("MATCH (v:Version) RETURN v.id AS id, v.ordinal AS o ORDER BY o")
        return [r["id"] for r in rows]


def _code_salt() -> str:
    """This module's code: a change to how an index is built invalidates kept ones."""
    from kg.derived import source_salt

    return source_salt(__file__)
