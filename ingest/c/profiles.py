"""Actor and effect profiles -> Actor/EffectSs facts: which actor a profile belongs to (via
the actor table, not the profile's id field), its functions, instance struct, objects used.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from ingest.c.records import Record
from kg.facts import Facts


def rep_version(versions: dict[str, Any], order: list[str]) -> str:
    """The representative version of an entity: the default one when it exists there."""
    for v in order:
        if v in versions:
            return v
    return next(iter(versions))


def _flag_names(flags: int | None, defs: dict[str, int]) -> list[str]:
    if not flags:
        return []
    names = [(v, n) for n, v in defs.items() if n.startswith("ACTOR_FLAG_") and v and v & (v - 1) == 0]
    out = [n for v, n in sorted(names) if flags & v]
    return out


def profile_facts(
    facts: Facts,
    profiles: dict,
    obj_includes: dict,
    runtime: dict,
    def_vals: dict[str, dict[str, int]],
    order_ids: list[str],
    structs: dict[str, dict[str, Record]],
) -> None:
    flag_defs: dict[str, dict[str, int]] = {}
    for (ptype, key), per in profiles.items():
        rvid = rep_version(per, order_ids)
        p = per[rvid]
        if ptype == "ActorProfile":
            defs = flag_defs.get(rvid)
            if defs is None:
                defs = flag_defs[rvid] = {
                    n: vals[rvid] for n, vals in def_vals.items() if rvid in vals and n.startswith("ACTOR_FLAG_")
                }
            inst_rep = structs.get(p.get("instance_struct") or "", {}).get(rvid)
            own = p.get("id_name") == key
            facts.node(
                "Actor",
                enum=key,
                id=p.get("id") if own else None,
                profile_id=p.get("id"),
                profile_id_enum=p.get("id_name"),
                category=p.get("category_name"),
                flags=p.get("flags"),
                flag_names=_flag_names(p.get("flags"), defs),
                object=p.get("objectId_name"),
                instance_size=inst_rep.size if inst_rep else p.get("instanceSize"),
                instance_struct=p.get("instance_struct"),
                file=p.get("file"),
            )
            inst = structs.get(p.get("instance_struct") or "", {})
            for vid, pv in per.items():
                # sizeof(instance struct) in *this* version: from the struct's own layout there
                # (a profile parse can be shared by versions whose headers differ)
                size = inst[vid].size if vid in inst else pv.get("instanceSize")
                facts.rel(
                    "IN_VERSION",
                    key,
                    vid,
                    from_kind="Actor",
                    to_kind="Version",
                    size=size,
                    file=pv.get("file"),
                    line=pv.get("line"),
                    value=pv.get("flags"),
                )
            for role in ("init", "destroy", "update", "draw"):
                if p.get(role):
                    facts.rel("PROFILE_FN", key, p[role], from_kind="Actor", to_kind="Function", role=role)
            if p.get("instance_struct"):
                facts.rel("INSTANCE_OF", key, p["instance_struct"])
            if p.get("file"):
                facts.rel("DEFINED_IN", key, p["file"], from_kind="Actor", to_kind="File", line=p.get("line"))
            vs = sorted(per, key=order_ids.index)
            if p.get("objectId_name"):
                facts.rel(
                    "USES_OBJECT",
                    key,
                    p["objectId_name"],
                    from_kind="Actor",
                    to_kind="Object",
                    via="profile",
                    versions=vs,
                )
            _uses(facts, key, obj_includes.get(("Actor", key), ()), "include", order_ids, _object_enum)
            _uses(facts, key, runtime.get(("Actor", key), ()), "runtime", order_ids, lambda o: o)
        else:
            facts.node("EffectSs", enum=key, id=p.get("id"))
            for vid in per:
                facts.rel(
                    "IN_VERSION",
                    key,
                    vid,
                    from_kind="EffectSs",
                    to_kind="Version",
                    file=per[vid].get("file"),
                    line=per[vid].get("line"),
                )
            if p.get("init"):
                facts.rel("PROFILE_FN", key, p["init"], from_kind="EffectSs", to_kind="Function", role="init")


def profile_key(p: dict[str, Any], seg_of: dict[str, str]) -> str | None:
    """The actor an ActorProfile belongs to: the actor table's entry for the overlay the
    profile is compiled into (``DEFINE_ACTOR(X, ...)`` <-> segment ``ovl_X``), or for an
    internal actor linked into code, the entry whose ``X_Profile`` variable it is (how the
    game's own actor table references it). Not the profile's ``id`` field: a few real profiles
    name another actor's id (a decomp quirk, kept as ``profile_id_enum``)."""
    if p["type"] != "ActorProfile":
        return p.get("id_name")
    by_name, by_overlay = _actor_table()
    seg = seg_of.get(p.get("file") or "")
    if seg is None:
        seg = next((part for part in Path(p.get("file") or "").parts if part.startswith("ovl_")), None)
    if seg is not None and seg in by_overlay:
        return by_overlay[seg]
    var = p.get("var") or ""
    if var.endswith("_Profile") and var[: -len("_Profile")] in by_name:
        return by_name[var[: -len("_Profile")]]
    return p.get("id_name")


_ACTOR_TABLE: tuple[dict[str, str], dict[str, str]] | None = None


def _actor_table() -> tuple[dict[str, str], dict[str, str]]:
    """(table name -> ACTOR_ enum, overlay segment -> ACTOR_ enum) from every DEFINE_ACTOR /
    DEFINE_ACTOR_INTERNAL line of the actor table (version-independent; no preprocessing)."""
    global _ACTOR_TABLE
    if _ACTOR_TABLE is None:
        by_name: dict[str, str] = {}
        by_overlay: dict[str, str] = {}
        path = _CHECKOUT_ROOT / "include" / "tables" / "actor_table.h" if _CHECKOUT_ROOT is not None else None
        if path is not None and path.is_file():
            from ingest.domain.table_expand import DEFINE_CALL, split_args, strip_comments

            for line in strip_comments(path.read_text(errors="replace")).split("\n"):
                m = DEFINE_CALL.match(line.strip())
                if not m or m.group(1) not in ("DEFINE_ACTOR", "DEFINE_ACTOR_INTERNAL"):
                    continue
                inner = line[line.index("(") + 1 : line.rindex(")")] if ")" in line else ""
                args = split_args(inner)
                if len(args) >= 2:
                    by_name.setdefault(args[0], args[1])
                    if m.group(1) == "DEFINE_ACTOR":
                        by_overlay.setdefault(f"ovl_{args[0]}", args[1])
        _ACTOR_TABLE = (by_name, by_overlay)
    return _ACTOR_TABLE


def _object_enum(segment: str) -> str:
    """An object folder (its spec segment name) -> its OBJECT_ enum, via the object table."""
    table = _object_table()
    return table.get(segment, segment)


_OBJ_TABLE: dict[str, str] | None = None


def _object_table() -> dict[str, str]:
    global _OBJ_TABLE
    if _OBJ_TABLE is None:
        _OBJ_TABLE = {}
        try:
            from ingest.domain import tables  # helper B's parser, when present

            fn = getattr(tables, "object_segment_to_enum", None)
            if fn is not None and _CHECKOUT_ROOT is not None:
                _OBJ_TABLE = dict(fn(_CHECKOUT_ROOT))
        except ImportError:
            pass
    return _OBJ_TABLE


def _uses(facts: Facts, key: str, pairs: Any, via: str, order_ids: list[str], conv: Any) -> None:
    per: dict[str, set[str]] = defaultdict(set)
    for o, vid in pairs:
        per[conv(o)].add(vid)
    for obj, vs in per.items():
        facts.rel(
            "USES_OBJECT",
            key,
            obj,
            from_kind="Actor",
            to_kind="Object",
            via=via,
            versions=sorted(vs, key=order_ids.index),
        )


_CHECKOUT_ROOT: Path | None = None


def use_checkout(root: Path) -> None:
    """The checkout whose actor/object tables map profiles to actors (cached per checkout)."""
    global _CHECKOUT_ROOT, _ACTOR_TABLE, _OBJ_TABLE
    if _CHECKOUT_ROOT != root:
        _ACTOR_TABLE = _OBJ_TABLE = None
    _CHECKOUT_ROOT = root


def tables_snapshot() -> tuple[Any, Any]:
    """The actor and object tables as read (kept by the delta state: reading them is ~0.3 s)."""
    return _actor_table(), _object_table()


def use_tables(root: Path, snapshot: tuple[Any, Any]) -> None:
    """``use_checkout(root)`` with tables read earlier (they are unchanged when only .c
    files changed)."""
    global _CHECKOUT_ROOT, _ACTOR_TABLE, _OBJ_TABLE
    _CHECKOUT_ROOT = root
    _ACTOR_TABLE, _OBJ_TABLE = snapshot
