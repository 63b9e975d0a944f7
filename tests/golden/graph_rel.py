"""Relation facts of the golden graph: where its functions are defined and declared, who calls
whom, which segment each source file is linked into, and function-like macros' parameters.
All as the decomp at 269d03016c states them (read from a graph of it), written here as data.
"""

from __future__ import annotations

from kg.facts import Facts

_A, _L, _C = "src/code/z_actor.c", "src/code/z_lib.c", "src/code/z_collision_check.c"
_S, _M, _H = "src/code/z_skelanime.c", "src/code/z_malloc.c", "src/overlays/actors/ovl_En_Horse/z_en_horse.c"
_K = "src/overlays/actors/ovl_En_Kusa/z_en_kusa.c"
_Z = "src/overlays/actors/ovl_En_Zl2/z_en_zl2.c"

# function -> (defining file, headers declaring it)
WHERE: dict[str, tuple[str, tuple[str, ...]]] = {
    **{
        f: (_A, ("include/actor.h",))
        for f in (
            "Actor_Kill",
            "Actor_SetScale",
            "Actor_SetFocus",
            "Actor_MoveXZGravity",
            "Actor_PlaySfx",
            "Actor_UpdateBgCheckInfo",
            "Actor_Spawn",
            "Actor_WorldDistXZToActor",
            "Actor_TalkOfferAccepted",
            "Actor_OfferTalk",
            "ActorShape_Init",
            "ActorShadow_DrawCircle",
            "Flags_GetSwitch",
            "Flags_SetSwitch",
        )
    },
    "Actor_ProcessInitChain": (_L, ("include/ichain.h",)),
    **{f: ("src/code/z_scene.c", ("include/object.h",)) for f in ("Object_GetSlot", "Object_IsLoaded")},
    **{
        f: (_L, ("include/z_lib.h",))
        for f in (
            "Math_SmoothStepToF",
            "Math_StepToF",
            "Math_ScaledStepToS",
            "Math_SinS",
            "Math_CosS",
            "Math_Vec3f_Copy",
            "Math_Vec3f_Yaw",
        )
    },
    "Rand_ZeroOne": ("src/libc64/qrand.c", ("include/libc64/qrand.h",)),
    **{
        f: (_C, ("include/collision_check.h",))
        for f in (
            "Collider_InitCylinder",
            "Collider_DestroyCylinder",
            "Collider_SetCylinder",
            "Collider_UpdateCylinder",
            "CollisionCheck_SetOC",
            "CollisionCheck_SetAC",
        )
    },
    **{
        f: (_S, ("include/animation.h",))
        for f in ("SkelAnime_InitFlex", "SkelAnime_Update", "SkelAnime_DrawFlexOpa", "Animation_PlayLoop")
    },
    "Gfx_SetupDL_25Opa": ("src/code/z_rcp.c", ("include/gfx_setupdl.h",)),
    "Matrix_Translate": ("src/code/sys_matrix.c", ("include/sys_matrix.h",)),
    "Matrix_Scale": ("src/code/sys_matrix.c", ("include/sys_matrix.h",)),
    **{
        f: (_M, ("include/zelda_arena.h",))
        for f in ("ZeldaArena_Malloc", "ZeldaArena_Free", "ZeldaArena_MallocDebug", "ZeldaArena_FreeDebug")
    },
    **{f: (_H, ()) for f in ("EnHorse_Init", "EnHorse_Destroy", "EnHorse_Update", "EnHorse_Draw")},
    **{f: (_K, ()) for f in ("EnKusa_Init", "EnKusa_Update", "EnKusa_Draw")},
    "func_80B50880": (_Z, ()),
    "Lights_FindBufSlot": ("src/code/z_lights.c", ()),
    "KaleidoScope_DrawQuestStatus": (
        "src/overlays/misc/ovl_kaleido_scope/z_kaleido_collect.c",
        ("src/overlays/misc/ovl_kaleido_scope/z_kaleido_scope.h",),
    ),
}
# (return type, parameters, versions: None for all) of the functions above the golden graph's
# FUNCTIONS table lacks
MORE_FUNCTIONS: dict[str, tuple[str, tuple[str, ...], list[str] | None]] = {
    "func_80B50880": ("void", ("EnZl2* this", "s32 arg1"), None),
    "Lights_FindBufSlot": ("LightNode*", (), None),
    "KaleidoScope_DrawQuestStatus": ("void", ("PlayState* play", "GraphicsContext* gfxCtx"), None),
}

CALLS: dict[str, tuple[str, ...]] = {
    "EnHorse_Init": (
        "ActorShape_Init",
        "Actor_Kill",
        "Actor_ProcessInitChain",
        "Actor_SetScale",
        "Actor_Spawn",
        "Collider_InitCylinder",
        "Collider_SetCylinder",
        "Object_GetSlot",
        "Object_IsLoaded",
    ),
    "EnHorse_Destroy": ("Collider_DestroyCylinder",),
    "EnHorse_Update": (
        "Actor_MoveXZGravity",
        "Collider_UpdateCylinder",
        "CollisionCheck_SetOC",
        "Math_CosS",
        "Math_SinS",
        "Rand_ZeroOne",
    ),
    "EnHorse_Draw": ("Gfx_SetupDL_25Opa",),
    "EnKusa_Init": ("Actor_Kill", "Actor_ProcessInitChain", "Object_GetSlot"),
    "Actor_UpdateBgCheckInfo": ("Math_Vec3f_Copy",),
    "Actor_Spawn": ("Object_GetSlot", "ZeldaArena_Malloc", "ZeldaArena_MallocDebug"),
    "SkelAnime_InitFlex": ("Animation_PlayLoop", "ZeldaArena_Malloc", "ZeldaArena_MallocDebug"),
}
# functions that call through a pointer (EnHorse_Update runs its action function)
INDIRECT = {"EnHorse_Update"}
SEGMENTS = {
    _H: "ovl_En_Horse",
    _K: "ovl_En_Kusa",
    _Z: "ovl_En_Zl2",
    "src/overlays/misc/ovl_kaleido_scope/z_kaleido_collect.c": "ovl_kaleido_scope",
}
MACRO_PARAMS = {
    "ARRAY_COUNT": "(arr)",
    "OPEN_DISPS": "(gfxCtx, file, line)",
    "CLOSE_DISPS": "(gfxCtx, file, line)",
    "ICHAIN_F32": "(member, val, cont)",
    "ICHAIN_VEC3F_DIV1000": "(member, val, cont)",
    "GET_PLAYER": "(play)",
    "GET_EVENTCHKINF": "(flag)",
    "SET_EVENTCHKINF": "(flag)",
    "GET_INFTABLE": "(flag)",
    "SET_INFTABLE": "(flag)",
    "MATRIX_FINALIZE_AND_LOAD": "(pkt, gfxCtx, file, line)",
    "ABS": "(x)",
    "gSPMatrix": "(pkt, m, p)",
    "gSPDisplayList": "(pkt,dl)",
    "gDPSetPrimColor": "(pkt, m, l, r, g, b, a)",
    "gDPPipeSync": "(pkt)",
    "SQ": "(x)",
    "CLAMP": "(x, min, max)",
    "DEG_TO_BINANG": "(degrees)",
    "BINANG_TO_RAD": "(binang)",
}


def segment_of(path: str) -> str | None:
    if path.startswith(("src/code/", "src/libc64/")):
        return "code"
    return SEGMENTS.get(path)


def add_relations(f: Facts, versions: list[str]) -> None:
    paths = {p for p, _ in WHERE.values()} | {h for _, hs in WHERE.values() for h in hs}
    for path in sorted(paths):
        f.node("File", path=path, kind=path.rsplit(".", 1)[-1], segment=segment_of(path))
        for v in versions:
            f.rel("IN_VERSION", path, v, from_kind="File", to_kind="Version")
    for seg in sorted({segment_of(p) for p in paths} - {None}):
        f.node("Segment", name=seg, overlay=seg.startswith("ovl_"))
        for v in versions:
            f.rel("IN_VERSION", seg, v, from_kind="Segment", to_kind="Version")
    for fn, (path, headers) in WHERE.items():
        f.rel("DEFINED_IN", fn, path, from_kind="Function", to_kind="File")
        for h in headers:
            f.rel("DECLARED_IN", fn, h, from_kind="Function", to_kind="File")
    for caller, callees in CALLS.items():
        for callee in callees:
            vs = [v for v in versions if callee not in ("ZeldaArena_MallocDebug",) or v == "gc-eu-mq-dbg"]
            f.rel("CALLS", caller, callee, count=1, versions=vs)


# Tables whose per-version edges look as ingest writes them: an EffectSs edge has no value
# (its id is the node's), an Entrance edge has the id as its value.
EFFECTS = {"EFFECT_SS_DUST": 0, "EFFECT_SS_KIRAKIRA": 1, "EFFECT_SS_BOMB": 2, "EFFECT_SS_BLAST": 4}
ENTRANCES = {"ENTR_DEKU_TREE_0": 0, "ENTR_DEKU_TREE_0_1": 1}


def add_tables(f: Facts, versions: list[str]) -> None:
    for name, i in EFFECTS.items():
        f.node("EffectSs", enum=name, id=i)
        for v in versions:
            f.rel("IN_VERSION", name, v, from_kind="EffectSs", to_kind="Version")
    for name, i in ENTRANCES.items():
        f.node("Entrance", enum=name, id=i)
        for v in versions:
            f.rel("IN_VERSION", name, v, from_kind="Entrance", to_kind="Version", value=i)


# Layouts as the C ingest records them: a bitfield at the byte of its first bit with its
# declared type's size (include/ultra64/abi.h), a union's members at 0, and an anonymous
# member as one field named after its location, without its own members (include/color.h).
LAYOUTS: dict[str, tuple[str, int, list[tuple[str, int, int, str]]]] = {
    "Aclearbuff": (
        "struct",
        8,
        [
            ("cmd", 0, 4, "u32"),
            ("pad1", 1, 4, "u32"),
            ("dmem", 2, 4, "u32"),
            ("pad2", 4, 4, "u32"),
            ("count", 6, 4, "u32"),
        ],
    ),
    "Color_RGBA8_u32": (
        "union",
        4,
        [
            (
                "struct Color_RGBA8_u32::(anonymous at include/color.h:16:5)",
                0,
                4,
                "struct Color_RGBA8_u32::(anonymous at include/color.h:16:5)",
            ),
            ("rgba", 0, 4, "u32"),
        ],
    ),
}


def add_layouts(f: Facts, versions: list[str]) -> None:
    for name, (kind, size, fields) in LAYOUTS.items():
        f.node("Struct", name=name, kind=kind, size=size)
        f.node("Typedef", name=name, underlying=f"{kind} {name}")
        for v in versions:
            f.rel("IN_VERSION", name, v, from_kind="Struct", to_kind="Version", size=size, align=4)
            f.rel("IN_VERSION", name, v, from_kind="Typedef", to_kind="Version", type=f"{kind} {name}")
        for pos, (fname, off, fsize, ftype) in enumerate(fields):
            fid = f"{name}.{fname}"
            f.node("Field", id=fid, struct=name, name=fname, offset=off, size=fsize, type=ftype, position=pos)
            f.rel("HAS_FIELD", name, fid, position=pos)
            for v in versions:
                f.rel("IN_VERSION", fid, v, from_kind="Field", to_kind="Version", offset=off, size=fsize, type=ftype)
