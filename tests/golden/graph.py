"""A small graph of real OoT facts (three versions) for the validator's tests and benchmark.

Values are facts about the game as the decomp states them (ids, offsets, sizes,
signatures, addresses), written here as data so the tests need no checkout.
"""

from __future__ import annotations

import json

from kg.facts import Facts
from tests.golden.graph_rel import (
    INDIRECT,
    MACRO_PARAMS,
    MORE_FUNCTIONS,
    WHERE,
    add_layouts,
    add_relations,
    add_tables,
)

VERSIONS = [("ntsc-1.0", 1, False), ("gc-us", 8, False), ("gc-eu-mq-dbg", 11, True)]
ALL = [v for v, _, _ in VERSIONS]
DEBUG = [v for v, _, d in VERSIONS if d]
RETAIL = [v for v, _, d in VERSIONS if not d]

TYPEDEFS = {
    "s8": "signed char",
    "u8": "unsigned char",
    "s16": "short",
    "u16": "unsigned short",
    "s32": "int",
    "u32": "unsigned int",
    "f32": "float",
    "f64": "double",
    "Vec3f": "struct Vec3f",
    "Vec3s": "struct Vec3s",
    "PosRot": "struct PosRot",
    "Actor": "struct Actor",
    "PlayState": "struct PlayState",
    "GameState": "struct GameState",
    "ActorShape": "struct ActorShape",
    "CollisionCheckInfo": "struct CollisionCheckInfo",
    "SkelAnime": "struct SkelAnime",
    "ColliderCylinder": "struct ColliderCylinder",
    "ColliderCylinderInit": "struct ColliderCylinderInit",
    "Collider": "struct Collider",
    "ObjectContext": "struct ObjectContext",
    "ActorContext": "struct ActorContext",
    "CollisionCheckContext": "struct CollisionCheckContext",
    "Player": "struct Player",
    "EnHorse": "struct EnHorse",
    "EnDog": "struct EnDog",
    "EnItem00": "struct EnItem00",
    "EnKusa": "struct EnKusa",
    "ActorProfile": "struct ActorProfile",
    "GraphicsContext": "struct GraphicsContext",
    "InitChainEntry": "struct InitChainEntry",
    "Gfx": "union Gfx",
    "AnimationHeader": "struct AnimationHeader",
    "FlexSkeletonHeader": "struct FlexSkeletonHeader",
    "SaveContext": "struct SaveContext",
    "Camera": "struct Camera",
    "ActorFunc": "void (*)(struct Actor *, struct PlayState *)",
    "ActorShadowFunc": "void (*)(struct Actor *, struct Lights *, struct PlayState *)",
    "OverrideLimbDrawOpa": "s32 (*)(struct PlayState *, s32, Gfx **, Vec3f *, Vec3s *, void *)",
    "PostLimbDrawOpa": "void (*)(struct PlayState *, s32, Gfx **, Vec3s *, void *)",
    "EnHorseActionFunc": "void (*)(struct EnHorse *, struct PlayState *)",
}

# struct -> (size by version kind (debug, retail), [(name, offset, size, type)])
STRUCTS: dict[str, tuple[tuple[int, int], list[tuple[str, int, int, str]]]] = {
    "Vec3f": ((0xC, 0xC), [("x", 0, 4, "f32"), ("y", 4, 4, "f32"), ("z", 8, 4, "f32")]),
    "Vec3s": ((0x6, 0x6), [("x", 0, 2, "s16"), ("y", 2, 2, "s16"), ("z", 4, 2, "s16")]),
    "PosRot": ((0x14, 0x14), [("pos", 0, 0xC, "Vec3f"), ("rot", 0xC, 6, "Vec3s")]),
    "ActorShape": (
        (0x30, 0x30),
        [
            ("rot", 0, 6, "Vec3s"),
            ("face", 6, 2, "s16"),
            ("yOffset", 8, 4, "f32"),
            ("shadowDraw", 0xC, 4, "ActorShadowFunc"),
            ("shadowScale", 0x10, 4, "f32"),
            ("shadowAlpha", 0x14, 1, "u8"),
            ("feetFloorFlag", 0x15, 1, "u8"),
            ("feetPos", 0x18, 0x18, "Vec3f[2]"),
        ],
    ),
    "CollisionCheckInfo": (
        (0x1C, 0x1C),
        [
            ("damageTable", 0, 4, "DamageTable *"),
            ("displacement", 4, 0xC, "Vec3f"),
            ("cylRadius", 0x10, 2, "s16"),
            ("cylHeight", 0x12, 2, "s16"),
            ("cylYShift", 0x14, 2, "s16"),
            ("mass", 0x16, 1, "u8"),
            ("health", 0x17, 1, "u8"),
            ("damage", 0x18, 1, "u8"),
            ("damageReaction", 0x19, 1, "u8"),
            ("atHitBacklash", 0x1A, 1, "u8"),
            ("acHitSpecialEffect", 0x1B, 1, "u8"),
        ],
    ),
    "Actor": (
        (0x14C, 0x13C),
        [
            ("id", 0, 2, "s16"),
            ("category", 2, 1, "u8"),
            ("room", 3, 1, "s8"),
            ("flags", 4, 4, "u32"),
            ("home", 8, 0x14, "PosRot"),
            ("params", 0x1C, 2, "s16"),
            ("objectSlot", 0x1E, 1, "s8"),
            ("attentionRangeType", 0x1F, 1, "s8"),
            ("sfx", 0x20, 2, "u16"),
            ("world", 0x24, 0x14, "PosRot"),
            ("focus", 0x38, 0x14, "PosRot"),
            ("lockOnArrowOffset", 0x4C, 4, "f32"),
            ("scale", 0x50, 0xC, "Vec3f"),
            ("velocity", 0x5C, 0xC, "Vec3f"),
            ("speed", 0x68, 4, "f32"),
            ("gravity", 0x6C, 4, "f32"),
            ("minVelocityY", 0x70, 4, "f32"),
            ("wallPoly", 0x74, 4, "struct CollisionPoly *"),
            ("floorPoly", 0x78, 4, "struct CollisionPoly *"),
            ("wallBgId", 0x7C, 1, "u8"),
            ("floorBgId", 0x7D, 1, "u8"),
            ("wallYaw", 0x7E, 2, "s16"),
            ("floorHeight", 0x80, 4, "f32"),
            ("depthInWater", 0x84, 4, "f32"),
            ("bgCheckFlags", 0x88, 2, "u16"),
            ("yawTowardsPlayer", 0x8A, 2, "s16"),
            ("xyzDistToPlayerSq", 0x8C, 4, "f32"),
            ("xzDistToPlayer", 0x90, 4, "f32"),
            ("yDistToPlayer", 0x94, 4, "f32"),
            ("colChkInfo", 0x98, 0x1C, "CollisionCheckInfo"),
            ("shape", 0xB4, 0x30, "ActorShape"),
            ("projectedPos", 0xE4, 0xC, "Vec3f"),
            ("projectedW", 0xF0, 4, "f32"),
            ("cullingVolumeDistance", 0xF4, 4, "f32"),
            ("cullingVolumeScale", 0xF8, 4, "f32"),
            ("cullingVolumeDownward", 0xFC, 4, "f32"),
            ("prevPos", 0x100, 0xC, "Vec3f"),
            ("isLockedOn", 0x10C, 1, "u8"),
            ("attentionPriority", 0x10D, 1, "u8"),
            ("textId", 0x10E, 2, "u16"),
            ("freezeTimer", 0x110, 2, "u16"),
            ("colorFilterParams", 0x112, 2, "u16"),
            ("colorFilterTimer", 0x114, 1, "u8"),
            ("isDrawn", 0x115, 1, "u8"),
            ("dropFlag", 0x116, 1, "u8"),
            ("naviEnemyId", 0x117, 1, "u8"),
            ("parent", 0x118, 4, "struct Actor *"),
            ("child", 0x11C, 4, "struct Actor *"),
            ("prev", 0x120, 4, "struct Actor *"),
            ("next", 0x124, 4, "struct Actor *"),
            ("init", 0x128, 4, "ActorFunc"),
            ("destroy", 0x12C, 4, "ActorFunc"),
            ("update", 0x130, 4, "ActorFunc"),
            ("draw", 0x134, 4, "ActorFunc"),
            ("overlayEntry", 0x138, 4, "struct ActorOverlay *"),
        ],
    ),
    "SkelAnime": (
        (0x44, 0x44),
        [
            ("limbCount", 0, 1, "u8"),
            ("mode", 1, 1, "u8"),
            ("dListCount", 2, 1, "u8"),
            ("taper", 3, 1, "s8"),
            ("skeleton", 4, 4, "void **"),
            ("animation", 8, 4, "void *"),
            ("startFrame", 0xC, 4, "f32"),
            ("endFrame", 0x10, 4, "f32"),
            ("animLength", 0x14, 4, "f32"),
            ("curFrame", 0x18, 4, "f32"),
            ("playSpeed", 0x1C, 4, "f32"),
            ("jointTable", 0x20, 4, "Vec3s *"),
            ("morphTable", 0x24, 4, "Vec3s *"),
            ("morphWeight", 0x28, 4, "f32"),
            ("morphRate", 0x2C, 4, "f32"),
        ],
    ),
    "ColliderCylinder": (
        (0x4C, 0x4C),
        [("base", 0, 0x18, "Collider"), ("elem", 0x18, 0x28, "ColliderElement"), ("dim", 0x40, 0xC, "Cylinder16")],
    ),
    "Collider": (
        (0x18, 0x18),
        [
            ("actor", 0, 4, "struct Actor *"),
            ("at", 4, 4, "struct Actor *"),
            ("ac", 8, 4, "struct Actor *"),
            ("oc", 0xC, 4, "struct Actor *"),
        ],
    ),
    "GameState": (
        (0xA4, 0xA4),
        [("gfxCtx", 0, 4, "GraphicsContext *"), ("main", 4, 4, "void (*)(struct GameState *)")],
    ),
    "PlayState": (
        (0x12518, 0x124F8),
        [
            ("state", 0, 0xA4, "GameState"),
            ("sceneId", 0xA4, 2, "s16"),
            ("actorCtx", 0x1C24, 0x278, "ActorContext"),
            ("objectCtx", 0x117A4, 0x518, "ObjectContext"),
            ("colChkCtx", 0x11E60, 0x29C, "CollisionCheckContext"),
            ("gameplayFrames", 0x11DE0, 4, "u32"),
        ],
    ),
    "ObjectContext": ((0x518, 0x518), [("spaceStart", 0, 4, "void *"), ("numEntries", 8, 1, "u8")]),
    "ActorContext": ((0x278, 0x278), [("freezeFlashTimer", 0, 1, "u8"), ("total", 8, 1, "u8")]),
    "CollisionCheckContext": ((0x29C, 0x29C), [("sacFlags", 0, 2, "s16")]),
    "Player": ((0xA94, 0xA84), [("actor", 0, 0x14C, "Actor"), ("stateFlags1", 0x66C, 4, "u32")]),
    "EnHorse": (
        (0x3FC, 0x3EC),
        [
            ("actor", 0, 0x14C, "Actor"),
            ("action", 0x14C, 4, "s32"),
            ("noInputTimer", 0x150, 4, "s32"),
            ("skin", 0x158, 0x68, "Skin"),
            ("stateFlags", 0x1F0, 4, "u32"),
            ("cyl1", 0x31C, 0x4C, "ColliderCylinder"),
            ("animationIdx", 0x210, 2, "s16"),
            ("curFrame", 0x214, 4, "f32"),
        ],
    ),
    "EnKusa": (
        (0x1A0, 0x190),
        [
            ("actor", 0, 0x14C, "Actor"),
            ("actionFunc", 0x14C, 4, "EnKusaActionFunc"),
            ("collider", 0x150, 0x4C, "ColliderCylinder"),
            ("timer", 0x19C, 2, "s16"),
            ("requiredObjectSlot", 0x19E, 1, "s8"),
        ],
    ),
    "EnDog": (
        (0x210, 0x200),
        [
            ("actor", 0, 0x14C, "Actor"),
            ("skelAnime", 0x14C, 0x44, "SkelAnime"),
            ("actionFunc", 0x190, 4, "EnDogActionFunc"),
            ("collider", 0x194, 0x4C, "ColliderCylinder"),
            ("behaviorTimer", 0x1EC, 2, "s16"),
            ("nextBehavior", 0x1F0, 2, "s16"),
        ],
    ),
    "ActorProfile": (
        (0x20, 0x20),
        [
            ("id", 0, 2, "s16"),
            ("category", 2, 1, "u8"),
            ("flags", 4, 4, "u32"),
            ("objectId", 8, 2, "s16"),
            ("instanceSize", 0xC, 4, "u32"),
            ("init", 0x10, 4, "ActorFunc"),
            ("destroy", 0x14, 4, "ActorFunc"),
            ("update", 0x18, 4, "ActorFunc"),
            ("draw", 0x1C, 4, "ActorFunc"),
        ],
    ),
    "SaveContext": (
        (0x1428, 0x1428),
        [
            ("entranceIndex", 0, 4, "s32"),
            ("linkAge", 4, 4, "s32"),
            ("dayTime", 0xC, 2, "u16"),
            ("rupees", 0x34, 2, "s16"),
        ],
    ),
}


def F(ret: str, *params: str, versions: list[str] | None = None) -> tuple:
    return ret, params, versions or ALL


FUNCTIONS: dict[str, tuple] = {
    "Actor_Kill": F("void", "Actor* actor"),
    "Actor_SetScale": F("void", "Actor* actor", "f32 scale"),
    "Actor_SetFocus": F("void", "Actor* actor", "f32 yOffset"),
    "Actor_MoveXZGravity": F("void", "Actor* actor"),
    "Actor_PlaySfx": F("void", "Actor* actor", "u16 sfxId"),
    "Actor_UpdateBgCheckInfo": F(
        "void",
        "PlayState* play",
        "Actor* actor",
        "f32 wallCheckHeight",
        "f32 wallCheckRadius",
        "f32 ceilingCheckHeight",
        "s32 flags",
    ),
    "Actor_Spawn": F(
        "Actor*",
        "ActorContext* actorCtx",
        "PlayState* play",
        "s16 actorId",
        "f32 posX",
        "f32 posY",
        "f32 posZ",
        "s16 rotX",
        "s16 rotY",
        "s16 rotZ",
        "s16 params",
    ),
    "Actor_WorldDistXZToActor": F("f32", "Actor* actorA", "Actor* actorB"),
    "Actor_ProcessInitChain": F("void", "Actor* actor", "InitChainEntry* ichain"),
    "Actor_TalkOfferAccepted": F("s32", "Actor* actor", "PlayState* play"),
    "Actor_OfferTalk": F("s32", "Actor* actor", "PlayState* play", "f32 radius"),
    "ActorShape_Init": F("void", "ActorShape* shape", "f32 yOffset", "ActorShadowFunc shadowDraw", "f32 shadowScale"),
    "ActorShadow_DrawCircle": F("void", "Actor* actor", "Lights* lights", "PlayState* play"),
    "Object_GetSlot": F("s32", "ObjectContext* objectCtx", "s16 objectId"),
    "Object_IsLoaded": F("s32", "ObjectContext* objectCtx", "s32 slot"),
    "Math_SmoothStepToF": F("f32", "f32* pValue", "f32 target", "f32 fraction", "f32 step", "f32 minStep"),
    "Math_StepToF": F("s32", "f32* pValue", "f32 target", "f32 step"),
    "Math_ScaledStepToS": F("s32", "s16* pValue", "s16 target", "s16 step"),
    "Math_SinS": F("f32", "s16 angle"),
    "Math_CosS": F("f32", "s16 angle"),
    "Math_Vec3f_Copy": F("void", "Vec3f* dest", "Vec3f* src"),
    "Math_Vec3f_Yaw": F("s16", "Vec3f* origin", "Vec3f* point"),
    "Rand_ZeroOne": F("f32"),
    "sqrtf": F("f32", "f32 f"),
    "sqrt": F("f64", "f64 d"),
    "Collider_InitCylinder": F("s32", "PlayState* play", "ColliderCylinder* cyl"),
    "Collider_DestroyCylinder": F("s32", "PlayState* play", "ColliderCylinder* cyl"),
    "Collider_SetCylinder": F(
        "s32", "PlayState* play", "ColliderCylinder* dest", "Actor* actor", "ColliderCylinderInit* src"
    ),
    "Collider_UpdateCylinder": F("void", "Actor* actor", "ColliderCylinder* cyl"),
    "CollisionCheck_SetOC": F("s32", "PlayState* play", "CollisionCheckContext* colChkCtx", "Collider* collider"),
    "CollisionCheck_SetAC": F("s32", "PlayState* play", "CollisionCheckContext* colChkCtx", "Collider* collider"),
    "SkelAnime_InitFlex": F(
        "s32",
        "PlayState* play",
        "SkelAnime* skelAnime",
        "FlexSkeletonHeader* skeletonHeaderSeg",
        "AnimationHeader* animation",
        "Vec3s* jointTable",
        "Vec3s* morphTable",
        "s32 limbCount",
    ),
    "SkelAnime_Update": F("s32", "SkelAnime* skelAnime"),
    "SkelAnime_DrawFlexOpa": F(
        "void",
        "PlayState* play",
        "void** skeleton",
        "Vec3s* jointTable",
        "s32 dListCount",
        "OverrideLimbDrawOpa overrideLimbDraw",
        "PostLimbDrawOpa postLimbDraw",
        "void* arg",
    ),
    "Animation_PlayLoop": F("void", "SkelAnime* skelAnime", "AnimationHeader* animation"),
    "Gfx_SetupDL_25Opa": F("void", "GraphicsContext* gfxCtx"),
    "Gfx_DrawDListOpa": F("void", "PlayState* play", "Gfx* dlist"),
    "Matrix_Translate": F("void", "f32 x", "f32 y", "f32 z", "u8 mode"),
    "Matrix_Scale": F("void", "f32 x", "f32 y", "f32 z", "u8 mode"),
    "Message_StartTextbox": F("void", "PlayState* play", "u16 textId", "Actor* actor"),
    "Flags_GetSwitch": F("s32", "PlayState* play", "s32 flag"),
    "Flags_SetSwitch": F("void", "PlayState* play", "s32 flag"),
    "ZeldaArena_Malloc": F("void*", "u32 size"),
    "ZeldaArena_Free": F("void", "void* ptr"),
    "ZeldaArena_MallocDebug": F("void*", "u32 size", "const char* file", "int line", versions=DEBUG),
    "ZeldaArena_FreeDebug": F("void", "void* ptr", "const char* file", "int line", versions=DEBUG),
    "PRINTF_impl": F("int", "const char* fmt", "...", versions=DEBUG),
    "EnHorse_Init": F("void", "Actor* thisx", "PlayState* play"),
    "EnHorse_Destroy": F("void", "Actor* thisx", "PlayState* play"),
    "EnHorse_Update": F("void", "Actor* thisx", "PlayState* play"),
    "EnHorse_Draw": F("void", "Actor* thisx", "PlayState* play"),
    "EnKusa_Init": F("void", "Actor* thisx", "PlayState* play"),
    "EnKusa_Update": F("void", "Actor* thisx", "PlayState* play"),
    "EnKusa_Draw": F("void", "Actor* thisx", "PlayState* play"),
    **{k: F(r, *ps, versions=vs) for k, (r, ps, vs) in MORE_FUNCTIONS.items()},
}

DEFINES = {
    "ACTOR_FLAG_ATTENTION_ENABLED": 1 << 0,
    "ACTOR_FLAG_HOSTILE": 1 << 2,
    "ACTOR_FLAG_FRIENDLY": 1 << 3,
    "ACTOR_FLAG_UPDATE_CULLING_DISABLED": 1 << 4,
    "ACTOR_FLAG_DRAW_CULLING_DISABLED": 1 << 5,
    "ACTOR_FLAG_TALK": 1 << 8,
    "BGCHECKFLAG_GROUND": 1,
    "BGCHECKFLAG_GROUND_TOUCH": 2,
    "BGCHECKFLAG_WALL": 8,
    "BGCHECKFLAG_WATER": 0x20,
    "UPDBGCHECKINFO_FLAG_0": 1,
    "UPDBGCHECKINFO_FLAG_2": 4,
    "EVENTCHKINF_00": 0x00,
    "EVENTCHKINF_01": 0x01,
    "EVENTCHKINF_04": 0x04,
    "EVENTCHKINF_10": 0x10,
    "EVENTCHKINF_40": 0x40,
    "EVENTCHKINF_OBTAINED_KOKIRI_EMERALD": 0x07,
    "INFTABLE_00": 0,
    "INFTABLE_01": 1,
    "INFTABLE_10": 0x10,
    "INFTABLE_11": 0x11,
    "ITEMGETINF_00": 0,
    "ITEMGETINF_01": 1,
    "ITEMGETINF_02": 2,
    "ITEMGETINF_03": 3,
    "MTXMODE_NEW": 0,
    "MTXMODE_APPLY": 1,
    "OBJECT_SLOT_NONE": -1,
    "SQ": None,
    "CLAMP": None,
    "GET_PLAYER": None,
    "OPEN_DISPS": None,
    "CLOSE_DISPS": None,
    "POLY_OPA_DISP": None,
    "gSPDisplayList": None,
    "gSPMatrix": None,
    "gDPPipeSync": None,
    "gDPSetPrimColor": None,
    "MATRIX_FINALIZE_AND_LOAD": None,
    "GET_EVENTCHKINF": None,
    "SET_EVENTCHKINF": None,
    "GET_INFTABLE": None,
    "SET_INFTABLE": None,
    "ICHAIN_F32": None,
    "ICHAIN_VEC3F_DIV1000": None,
    "ICHAIN_STOP": None,
    "ICHAIN_CONTINUE": None,
    "ARRAY_COUNT": None,
    "ABS": None,
    "DEG_TO_BINANG": None,
    "BINANG_TO_RAD": None,
    "NULL": 0,
    "M_PI": None,
}
for _i in range(0x40):
    DEFINES.setdefault(f"EVENTCHKINF_{_i:02X}", _i)
    DEFINES.setdefault(f"INFTABLE_{_i:02X}", _i)

ENUM_CONSTANTS = {
    "ActorCategory": [
        "ACTORCAT_SWITCH",
        "ACTORCAT_BG",
        "ACTORCAT_PLAYER",
        "ACTORCAT_EXPLOSIVE",
        "ACTORCAT_NPC",
        "ACTORCAT_ENEMY",
        "ACTORCAT_PROP",
        "ACTORCAT_ITEMACTION",
        "ACTORCAT_MISC",
        "ACTORCAT_BOSS",
        "ACTORCAT_DOOR",
        "ACTORCAT_CHEST",
    ],
    "ColliderType": [
        "COLTYPE_HIT0",
        "COLTYPE_HIT1",
        "COLTYPE_HIT2",
        "COLTYPE_HIT3",
        "COLTYPE_HIT4",
        "COLTYPE_HIT5",
        "COLTYPE_HIT6",
        "COLTYPE_HIT7",
        "COLTYPE_HIT8",
        "COLTYPE_METAL",
        "COLTYPE_NONE",
        "COLTYPE_WOOD",
        "COLTYPE_HARD",
        "COLTYPE_TREE",
    ],
    "ColliderShape": ["COLSHAPE_JNTSPH", "COLSHAPE_CYLINDER", "COLSHAPE_TRIS", "COLSHAPE_QUAD", "COLSHAPE_MAX"],
    "ElemMaterial": [
        "ELEM_MATERIAL_UNK0",
        "ELEM_MATERIAL_UNK1",
        "ELEM_MATERIAL_UNK2",
        "ELEM_MATERIAL_UNK3",
        "ELEM_MATERIAL_UNK4",
        "ELEM_MATERIAL_UNK5",
        "ELEM_MATERIAL_UNK6",
        "ELEM_MATERIAL_UNK7",
    ],
}
OC_DEFINES = {
    "AT_NONE": 0,
    "AT_ON": 1,
    "AC_NONE": 0,
    "AC_ON": 1,
    "AC_TYPE_PLAYER": 8,
    "OC1_NONE": 0,
    "OC1_ON": 1,
    "OC1_TYPE_ALL": 0x38,
    "OC1_TYPE_PLAYER": 8,
    "OC2_NONE": 0,
    "OC2_TYPE_1": 0x10,
    "OC2_TYPE_2": 0x20,
    "ATELEM_NONE": 0,
    "ACELEM_NONE": 0,
    "ACELEM_ON": 1,
    "OCELEM_NONE": 0,
    "OCELEM_ON": 1,
}
DEFINES.update(OC_DEFINES)

ACTORS = [  # enum, id, object, struct, (debug size, retail size)
    ("ACTOR_PLAYER", 0x0000, "OBJECT_GAMEPLAY_KEEP", "Player", (0xA94, 0xA84)),
    ("ACTOR_EN_ITEM00", 0x0015, "OBJECT_GAMEPLAY_KEEP", "EnItem00", (0x1AC, 0x19C)),
    ("ACTOR_EN_HORSE", 0x0014, "OBJECT_HORSE", "EnHorse", (0x3FC, 0x3EC)),
    ("ACTOR_EN_KUSA", 0x0125, "OBJECT_GAMEPLAY_KEEP", "EnKusa", (0x1A0, 0x190)),
    ("ACTOR_EN_TITE", 0x001B, "OBJECT_TITE", "EnTite", (0x3B0, 0x3A0)),
    ("ACTOR_EN_ZF", 0x0025, "OBJECT_ZF", "EnZf", (0x508, 0x4F8)),
    ("ACTOR_EN_DOG", 0x019B, "OBJECT_DOG", "EnDog", (0x210, 0x200)),
    ("ACTOR_EN_NIW", 0x0019, "OBJECT_NIW", "EnNiw", (0x7B8, 0x7A8)),
]
# profile flags (IN_VERSION.value of an Actor in a real graph); ACTOR_EN_HORSE's are 0x10, its
# id 0x14: a check reading the id from the edge's value says 0x10
ACTOR_FLAGS = {"ACTOR_EN_HORSE": 0x10, "ACTOR_EN_NIW": 0x800011, "ACTOR_EN_DOG": 0x9}
ACTOR_EXTRA_OBJECTS = {"ACTOR_EN_KUSA": ["OBJECT_KUSA"], "ACTOR_EN_HORSE": ["OBJECT_HNI"]}
OBJECTS = {
    "OBJECT_GAMEPLAY_KEEP": 0x0001,
    "OBJECT_GAMEPLAY_FIELD_KEEP": 0x0002,
    "OBJECT_HUMAN": 0x0003,
    "OBJECT_HORSE": 0x001A,
    "OBJECT_TITE": 0x001B,
    "OBJECT_ZF": 0x0025,
    "OBJECT_NIW": 0x0013,
    "OBJECT_DOG": 0x016A,
    "OBJECT_KUSA": 0x012B,
    "OBJECT_HNI": 0x00B1,
    "OBJECT_LINK_BOY": 0x0014,
}
ASSETS = {
    "gEponaSkel": "OBJECT_HORSE",
    "gEponaIdleAnim": "OBJECT_HORSE",
    "gFieldBushDL": "OBJECT_GAMEPLAY_FIELD_KEEP",
    "gKusaBushDL": "OBJECT_KUSA",
    "gCuccoSkel": "OBJECT_NIW",
    "gTektiteSkel": "OBJECT_TITE",
    "gDogSkel": "OBJECT_DOG",
    "gDogWalkAnim": "OBJECT_DOG",
}
SCENES = {
    "SCENE_DEKU_TREE": 0x00,
    "SCENE_DODONGOS_CAVERN": 0x01,
    "SCENE_HYRULE_FIELD": 0x51,
    "SCENE_KOKIRI_FOREST": 0x55,
    "SCENE_LON_LON_RANCH": 0x63,
    "SCENE_KAKARIKO_VILLAGE": 0x52,
}
SEQUENCES = {
    "NA_BGM_GENERAL_SFX": 0,
    "NA_BGM_FIELD_LOGIC": 2,
    "NA_BGM_KOKIRI": 0x3C,
    "NA_BGM_LONLON": 0x3F,
    "NA_BGM_HORSE": 0x42,
}
SFX = {
    "NA_SE_EV_HORSE_RUN": 0x2804,
    "NA_SE_EV_HORSE_NEIGH": 0x2805,
    "NA_SE_EV_CHICKEN_CRY_N": 0x28A1,
    "NA_SE_EV_SMALL_DOG_BARK": 0x28D8,
    "NA_SE_SY_ERROR": 0x4806,
    "NA_SE_PL_PULL_UP_PLANT": 0x0846,
}
ADDRESSES = {  # name -> {version: address}
    "gSaveContext": {"ntsc-1.0": 0x8011A5D0, "gc-us": 0x80118938, "gc-eu-mq-dbg": 0x8015E660},
    "Actor_Kill": {"gc-eu-mq-dbg": 0x8002D61C, "gc-us": 0x8001FB40},
    "Math_SinS": {"gc-eu-mq-dbg": 0x80063684},
}
GLOBALS = {"gSaveContext": "SaveContext", "gGameInfo": "GameInfo *"}


def _size(sizes: tuple[int, int], version: str) -> int:
    return sizes[0] if version in DEBUG else sizes[1]


def build_facts() -> Facts:
    f = Facts()
    for vid, ordinal, debug in VERSIONS:
        f.node(
            "Version",
            id=vid,
            name=vid.upper().replace("-", "_").replace(".", "_"),
            ordinal=ordinal,
            debug=debug,
            is_default=vid == "gc-eu-mq-dbg",
        )
    for name, under in TYPEDEFS.items():
        f.node("Typedef", name=name, underlying=under)
        for v in ALL:
            f.rel("IN_VERSION", name, v, from_kind="Typedef", to_kind="Version", type=under)
    for sname, (sizes, fields) in STRUCTS.items():
        f.node("Struct", name=sname, kind="struct", size=sizes[0])
        for v in ALL:
            f.rel("IN_VERSION", sname, v, from_kind="Struct", to_kind="Version", size=_size(sizes, v), align=4)
        shift = 0
        for pos, (fname, off, size, ftype) in enumerate(fields):
            fid = f"{sname}.{fname}"
            f.node("Field", id=fid, struct=sname, name=fname, offset=off, size=size, type=ftype, position=pos)
            f.rel("HAS_FIELD", sname, fid, position=pos)
            for v in ALL:
                # retail Actor/Player/EnHorse lose 0x10 debug bytes after Actor's fields
                delta = 0 if v in DEBUG or sname in ("Actor",) or off < 0x14C else -0x10
                f.rel(
                    "IN_VERSION",
                    fid,
                    v,
                    from_kind="Field",
                    to_kind="Version",
                    offset=off + delta,
                    size=size,
                    type=ftype,
                )
        del shift
    for fname, (ret, params, versions) in FUNCTIONS.items():
        plist = []
        for p in params:
            if p == "...":
                plist.append({"name": "...", "type": "..."})
                continue
            t, _, n = p.rpartition(" ")
            t, n = (t + n.count("*") * "*", n.lstrip("*")) if n.startswith("*") else (t, n)
            plist.append({"name": n, "type": t})
        sig = f"{ret} {fname}({', '.join(params) or 'void'})"
        where = WHERE.get(fname, (None, ()))[0]
        f.node(
            "Function",
            name=fname,
            signature=sig,
            return_type=ret,
            params=json.dumps(plist),
            file=where,
            defined=where is not None,
            static=False,
            indirect_calls=1 if fname in INDIRECT else 0,
        )
        for v in versions:
            f.rel(
                "IN_VERSION",
                fname,
                v,
                from_kind="Function",
                to_kind="Version",
                signature=sig,
                return_type=ret,
                params=json.dumps(plist),
                file=where,
                defined=where is not None,
                static=False,
            )
    for dname, value in DEFINES.items():
        f.node("Define", name=dname, value=value, params=MACRO_PARAMS.get(dname), function_like=dname in MACRO_PARAMS)
        for v in ALL:
            f.rel("IN_VERSION", dname, v, from_kind="Define", to_kind="Version", value=value)
    for ename, consts in ENUM_CONSTANTS.items():
        f.node("Enum", name=ename)
        for v in ALL:
            f.rel("IN_VERSION", ename, v, from_kind="Enum", to_kind="Version")
        for i, c in enumerate(consts):
            f.node("EnumConstant", name=c, enum=ename, value=i)
            f.rel("HAS_CONSTANT", ename, c, position=i)
            for v in ALL:
                f.rel("IN_VERSION", c, v, from_kind="EnumConstant", to_kind="Version", value=i)
    for oname, oid in OBJECTS.items():
        f.node("Object", enum=oname, id=oid)
        for v in ALL:
            f.rel("IN_VERSION", oname, v, from_kind="Object", to_kind="Version", value=oid)
    for enum, aid, obj, struct, sizes in ACTORS:
        ovl = "ovl_" + "_".join(w.capitalize() for w in enum.split("_")[1:])
        base = "z_" + "_".join(enum.lower().split("_")[1:])
        f.node(
            "Actor",
            enum=enum,
            id=aid,
            object=obj,
            instance_struct=struct,
            instance_size=sizes[0],
            file=f"src/overlays/actors/{ovl}/{base}.c",
            overlay=ovl,
            profile_id_enum=enum,
        )
        for v in ALL:
            # as ingest writes it: the edge's value is the profile's flags, not the id
            f.rel(
                "IN_VERSION",
                enum,
                v,
                from_kind="Actor",
                to_kind="Version",
                value=ACTOR_FLAGS.get(enum, 0x10),
                size=_size(sizes, v),
            )
        f.rel("USES_OBJECT", enum, obj, from_kind="Actor", to_kind="Object", via="profile")
        for extra in ACTOR_EXTRA_OBJECTS.get(enum, []):
            f.rel("USES_OBJECT", enum, extra, from_kind="Actor", to_kind="Object", via="include")
        prefix = "".join(w.capitalize() for w in enum.split("_")[1:])
        for role in ("init", "destroy", "update", "draw"):
            fn = f"{prefix}_{role.capitalize()}"
            if fn in FUNCTIONS:
                f.rel("PROFILE_FN", enum, fn, from_kind="Actor", to_kind="Function", role=role)
    for aname, obj in ASSETS.items():
        f.node("Asset", id=f"{obj}/{aname}", name=aname, kind="Skeleton")
        f.rel("HAS_ASSET", obj, f"{obj}/{aname}", from_kind="Object", to_kind="Asset")
    for table, kind in ((SCENES, "Scene"), (SEQUENCES, "Sequence"), (SFX, "Sfx")):
        for name, value in table.items():
            f.node(kind, enum=name, id=value)
            for v in ALL:
                f.rel("IN_VERSION", name, v, from_kind=kind, to_kind="Version", value=value)
    for gname, gtype in GLOBALS.items():
        f.node("Global", id=gname, name=gname, type=gtype)
        for v in ALL:
            f.rel("IN_VERSION", gname, v, from_kind="Global", to_kind="Version", type=gtype)
    for name, by_version in ADDRESSES.items():
        kind = "Global" if name in GLOBALS else "Function"
        for v, addr in by_version.items():
            f.rel("LOCATED_AT", name, v, from_kind=kind, to_kind="Version", address=addr, source="symbols")
    add_relations(f, ALL)
    add_tables(f, ALL)
    add_layouts(f, ALL)
    return f


def load_store(tmp_path):  # -> GraphStore
    """An embedded store in ``tmp_path`` holding these facts (opened read-only)."""
    from kg.embedded import EmbeddedStore

    db = tmp_path / "graph"
    with EmbeddedStore(db, read_only=False) as w:
        w.replace_graph(build_facts())
    return EmbeddedStore(db, read_only=True)
