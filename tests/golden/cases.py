"""The golden suite: correct examples in the decomp's style, and the same examples with
planted errors of every issue code. Used by tests (recall / false alarms) and by
``bench/bench_validate.py`` (numbers for BENCHMARKS.md).

Correct examples only use facts that hold in the decomp (and in ``tests.golden.graph``).
A mutation is (issue code, regex, replacement[, version]): applied to every correct
example where the regex matches, each application is one planted case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from validate.models import Example

FENCE = "```"


def ex(id_: str, version: str, question: str, answer: str) -> Example:
    return Example(
        id=id_,
        messages=[{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
        metadata={"version": version, "family": "golden"},
    )


NEW_ACTOR_H = """struct EnPuppy;

typedef void (*EnPuppyActionFunc)(struct EnPuppy*, struct PlayState*);

typedef struct EnPuppy {
    /* 0x0000 */ Actor actor;
    /* 0x014C */ SkelAnime skelAnime;
    /* 0x0190 */ EnPuppyActionFunc actionFunc;
    /* 0x0194 */ ColliderCylinder collider;
    /* 0x01E0 */ Vec3s jointTable[13];
    /* 0x022E */ Vec3s morphTable[13];
    /* 0x027C */ s16 timer;
    /* 0x0280 */ f32 targetSpeed;
} EnPuppy;
"""

NEW_ACTOR_C = """#define FLAGS (ACTOR_FLAG_ATTENTION_ENABLED | ACTOR_FLAG_FRIENDLY)

void EnPuppy_Init(Actor* thisx, PlayState* play);
void EnPuppy_Destroy(Actor* thisx, PlayState* play);
void EnPuppy_Update(Actor* thisx, PlayState* play);
void EnPuppy_Draw(Actor* thisx, PlayState* play);

void EnPuppy_Wander(EnPuppy* this, PlayState* play);

ActorProfile En_Puppy_Profile = {
    ACTOR_EN_DOG,
    ACTORCAT_NPC,
    FLAGS,
    OBJECT_DOG,
    sizeof(EnPuppy),
    EnPuppy_Init,
    EnPuppy_Destroy,
    EnPuppy_Update,
    EnPuppy_Draw,
};

void EnPuppy_Init(Actor* thisx, PlayState* play) {
    EnPuppy* this = (EnPuppy*)thisx;

    ActorShape_Init(&this->actor.shape, 0.0f, ActorShadow_DrawCircle, 24.0f);
    SkelAnime_InitFlex(play, &this->skelAnime, &gDogSkel, &gDogWalkAnim, this->jointTable,
                       this->morphTable, 13);
    Collider_InitCylinder(play, &this->collider);
    Actor_SetScale(&this->actor, 0.0075f);
    this->timer = 20;
    this->actionFunc = EnPuppy_Wander;
}

void EnPuppy_Destroy(Actor* thisx, PlayState* play) {
    EnPuppy* this = (EnPuppy*)thisx;

    Collider_DestroyCylinder(play, &this->collider);
}

void EnPuppy_Wander(EnPuppy* this, PlayState* play) {
    Math_SmoothStepToF(&this->actor.speed, this->targetSpeed, 0.4f, 1.0f, 0.0f);
    if (this->timer > 0) {
        this->timer--;
    } else {
        this->timer = 40;
        this->targetSpeed = Rand_ZeroOne() * 2.0f;
        Actor_PlaySfx(&this->actor, NA_SE_EV_SMALL_DOG_BARK);
    }
}

void EnPuppy_Update(Actor* thisx, PlayState* play) {
    EnPuppy* this = (EnPuppy*)thisx;

    this->actionFunc(this, play);
    SkelAnime_Update(&this->skelAnime);
    Actor_MoveXZGravity(&this->actor);
    Actor_UpdateBgCheckInfo(play, &this->actor, 20.0f, 20.0f, 30.0f,
                            UPDBGCHECKINFO_FLAG_0 | UPDBGCHECKINFO_FLAG_2);
    Collider_UpdateCylinder(&this->actor, &this->collider);
    CollisionCheck_SetOC(play, &play->colChkCtx, &this->collider.base);
}

void EnPuppy_Draw(Actor* thisx, PlayState* play) {
    EnPuppy* this = (EnPuppy*)thisx;

    Gfx_SetupDL_25Opa(play->state.gfxCtx);
    SkelAnime_DrawFlexOpa(play, this->skelAnime.skeleton, this->skelAnime.jointTable,
                          this->skelAnime.dListCount, NULL, NULL, this);
}
"""

CORRECT: list[Example] = [
    ex(
        "kill-actor",
        "gc-eu-mq-dbg",
        "How do I despawn my actor once its timer runs out?",
        "Call `Actor_Kill` on the actor's base `Actor`; it clears the draw and update "
        "functions and the actor is removed at the end of the frame.\n\n"
        f"{FENCE}c\nif (this->timer == 0) {{\n    Actor_Kill(&this->actor);\n    return;\n}}\n{FENCE}\n",
    ),
    ex(
        "scale",
        "gc-us",
        "How do I make an actor smaller?",
        "Use `Actor_SetScale`, which sets all three components of `actor.scale`:\n\n"
        f"{FENCE}c\nActor_SetScale(&this->actor, 0.01f);\n{FENCE}\n\n"
        "`scale` is at offset 0x50 in Actor.",
    ),
    ex(
        "horse-id",
        "ntsc-1.0",
        "What is the id of Epona's actor?",
        "ACTOR_EN_HORSE is 0x0014; its instance struct is `EnHorse` and it loads OBJECT_HORSE. "
        "On NTSC 1.0 the instance size of EnHorse is 0x3EC (retail builds lack the debug "
        "fields of Actor).",
    ),
    ex(
        "save-context",
        "ntsc-1.0",
        "Where is the save context in RAM?",
        "`gSaveContext` is at 0x8011A5D0 on NTSC 1.0. On the debug ROM gSaveContext is at 0x8015E660.",
    ),
    ex(
        "world-offset",
        "gc-eu-mq-dbg",
        "Where is an actor's position stored?",
        "In `this->actor.world.pos`; `world` is at offset 0x24 in Actor and `pos` is a Vec3f. "
        "Actor is 0x14C bytes on this version.\n\n"
        f"{FENCE}c\nthis->actor.world.pos.y += 10.0f;\nthis->actor.shape.rot.y = "
        f"this->actor.world.rot.y;\n{FENCE}\n",
    ),
    ex(
        "smooth-step",
        "gc-eu-mq-dbg",
        "How do I ease my actor's speed to zero?",
        f"{FENCE}c\nMath_SmoothStepToF(&this->actor.speed, 0.0f, 0.5f, 2.0f, 0.01f);\n"
        f"Actor_MoveXZGravity(&this->actor);\n{FENCE}\n",
    ),
    ex(
        "bgcheck",
        "gc-us",
        "How do I keep my actor on the floor?",
        "Move it, then update its background collision every frame:\n\n"
        f"{FENCE}c\nvoid EnPuppy_Update(Actor* thisx, PlayState* play) {{\n"
        "    Actor_MoveXZGravity(thisx);\n"
        "    Actor_UpdateBgCheckInfo(play, thisx, 20.0f, 20.0f, 30.0f, UPDBGCHECKINFO_FLAG_0 | "
        f"UPDBGCHECKINFO_FLAG_2);\n}}\n{FENCE}\n",
    ),
    ex(
        "spawn",
        "gc-eu-mq-dbg",
        "How do I spawn a cucco next to Link?",
        "ACTOR_EN_NIW is 0x0019.\n\n"
        f"{FENCE}c\nPlayer* player = GET_PLAYER(play);\n\n"
        "Actor_Spawn(&play->actorCtx, play, ACTOR_EN_NIW, player->actor.world.pos.x + 40.0f,\n"
        "            player->actor.world.pos.y, player->actor.world.pos.z, 0, 0, 0, 0);\n"
        f"{FENCE}\n",
    ),
    ex(
        "event-flag",
        "gc-us",
        "How do I run something only once per save?",
        "Check and set an event flag:\n\n"
        f"{FENCE}c\nif (!GET_EVENTCHKINF(EVENTCHKINF_40)) {{\n"
        "    SET_EVENTCHKINF(EVENTCHKINF_40);\n"
        "    Message_StartTextbox(play, 0x1031, &this->actor);\n"
        f"}}\n{FENCE}\n",
    ),
    ex(
        "object-slot",
        "gc-eu-mq-dbg",
        "How does an actor use a second object?",
        "Request its slot and wait until it is loaded:\n\n"
        f"{FENCE}c\ns32 slot = Object_GetSlot(&play->objectCtx, OBJECT_DOG);\n\n"
        "if (slot >= 0 && Object_IsLoaded(&play->objectCtx, slot)) {\n"
        "    this->actor.objectSlot = slot;\n"
        f"}}\n{FENCE}\n",
    ),
    ex(
        "new-actor",
        "gc-eu-mq-dbg",
        "Write a small dog actor that wanders and barks.",
        "The header:\n\n" + f"{FENCE}c\n{NEW_ACTOR_H}{FENCE}\n\nThe actor:\n\n"
        f"{FENCE}c\n{NEW_ACTOR_C}{FENCE}\n\n"
        "ACTOR_EN_DOG is 0x019B and the profile loads OBJECT_DOG for `gDogSkel`.",
    ),
    ex(
        "yaw",
        "gc-eu-mq-dbg",
        "How do I turn my actor toward the player?",
        f"{FENCE}c\nMath_ScaledStepToS(&this->actor.shape.rot.y, this->actor.yawTowardsPlayer, "
        "0x800);\nthis->actor.world.rot.y = this->actor.shape.rot.y;\n"
        f"{FENCE}\n\n`yawTowardsPlayer` is at offset 0x8A in Actor.",
    ),
    ex(
        "sfx",
        "ntsc-1.0",
        "How do I play a neigh when the horse rears?",
        f"{FENCE}c\nActor_PlaySfx(&this->actor, NA_SE_EV_HORSE_NEIGH);\n{FENCE}\nNA_SE_EV_HORSE_NEIGH is 0x2805.",
    ),
    ex(
        "alloc-init",
        "gc-eu-mq-dbg",
        "Where should a per-actor buffer be allocated?",
        "Once, in Init, and freed in Destroy:\n\n"
        f"{FENCE}c\nvoid EnPuppy_Init(Actor* thisx, PlayState* play) {{\n"
        "    EnPuppy* this = (EnPuppy*)thisx;\n\n"
        "    this->buffer = ZeldaArena_MallocDebug(0x100, __FILE__, __LINE__);\n}\n\n"
        "void EnPuppy_Destroy(Actor* thisx, PlayState* play) {\n"
        "    EnPuppy* this = (EnPuppy*)thisx;\n\n"
        "    ZeldaArena_FreeDebug(this->buffer, __FILE__, __LINE__);\n"
        f"}}\n{FENCE}\n",
    ),
    ex(
        "distance",
        "gc-us",
        "How far is my actor from another?",
        f"{FENCE}c\nf32 dist = Actor_WorldDistXZToActor(&this->actor, this->actor.parent);\n\n"
        "if (dist < 100.0f) {\n    this->actor.speed = sqrtf(dist) * 0.1f;\n}\n"
        f"{FENCE}\n",
    ),
]


@dataclass(frozen=True)
class Mutation:
    code: str
    pattern: str
    repl: str
    version: str | None = None
    needs_compile: bool = False


MUTATIONS: list[Mutation] = [
    Mutation("unknown-function", r"\bActor_SetScale\(", "Actor_SetScaleXYZ("),
    Mutation("unknown-function", r"\bMath_SmoothStepToF\(", "Math_SmoothStepF("),
    Mutation("unknown-function", r"\bActor_MoveXZGravity\(", "Actor_MoveForward("),
    Mutation("unknown-function", r"\bCollider_InitCylinder\(", "Collider_InitCylinderEx("),
    Mutation("unknown-function", r"\bActor_PlaySfx\(", "Audio_PlayActorSfx("),
    Mutation("wrong-arity", r"Actor_SetScale\(&this->actor, ([0-9.]+f)\)", r"Actor_SetScale(&this->actor)"),
    Mutation("wrong-arity", r"0\.01f\);\nActor_MoveXZGravity", "0.01f, 1);\nActor_MoveXZGravity"),
    Mutation("wrong-arity", r"Actor_Kill\(&this->actor\)", "Actor_Kill(&this->actor, play)"),
    Mutation("wrong-arity", r"Collider_InitCylinder\(play, ", "Collider_InitCylinder("),
    Mutation("wrong-arity", r", 0, 0, 0, 0\);", ", 0, 0, 0);"),
    Mutation("wrong-arity", r"Object_IsLoaded\(&play->objectCtx, slot\)", "Object_IsLoaded(slot)"),
    Mutation("wrong-arg-type", r"Actor_Kill\(&this->actor\)", "Actor_Kill(this)"),
    Mutation("wrong-arg-type", r"Actor_SetScale\(&this->actor,", "Actor_SetScale(this,"),
    Mutation("wrong-arg-type", r"Math_SmoothStepToF\(&this->actor\.speed", "Math_SmoothStepToF(this->actor.speed"),
    Mutation("wrong-arg-type", r"Actor_PlaySfx\(&this->actor,", "Actor_PlaySfx(this,"),
    Mutation(
        "wrong-arg-type",
        r"Collider_UpdateCylinder\(&this->actor, &this->collider\)",
        "Collider_UpdateCylinder(&this->actor, this->collider)",
    ),
    Mutation(
        "wrong-arg-type", r"Math_ScaledStepToS\(&this->actor\.shape\.rot\.y", "Math_ScaledStepToS(&this->actor.speed"
    ),
    Mutation("unknown-field", r"this->actor\.world\.pos", "this->actor.world.position"),
    Mutation("unknown-field", r"this->actor\.speed\b", "this->actor.speedXZ"),
    Mutation("unknown-field", r"this->actor\.shape\.rot", "this->actor.shape.rotation"),
    Mutation("unknown-field", r"actor\.yawTowardsPlayer", "actor.yawTowardPlayer"),
    Mutation("unknown-field", r"&this->actor\.shape,", "&this->actor.shadow,"),
    Mutation("unknown-field", r"this->actor\.objectSlot", "this->actor.objBankIndex"),
    Mutation("unknown-actor", r"ACTOR_EN_NIW\b", "ACTOR_EN_CUCCO"),
    Mutation("unknown-actor", r"ACTOR_EN_DOG,\n", "ACTOR_EN_PUPPY,\n"),
    Mutation("wrong-actor-id", r"ACTOR_EN_HORSE is 0x0014", "ACTOR_EN_HORSE is 0x0015"),
    Mutation("wrong-actor-id", r"ACTOR_EN_NIW is 0x0019", "ACTOR_EN_NIW is 0x001A"),
    Mutation("wrong-actor-id", r"ACTOR_EN_DOG is 0x019B", "ACTOR_EN_DOG is 0x01A1"),
    Mutation("wrong-address", r"at 0x8011A5D0 on NTSC 1\.0", "at 0x8011A5E0 on NTSC 1.0"),
    Mutation("wrong-address", r"is at 0x8015E660", "is at 0x8015E600"),
    Mutation("wrong-offset", r"`world` is at offset 0x24", "`world` is at offset 0x28"),
    Mutation("wrong-offset", r"`scale` is at offset 0x50", "`scale` is at offset 0x54"),
    Mutation("wrong-offset", r"is at offset 0x8A in Actor", "is at offset 0x8C in Actor"),
    Mutation("wrong-size", r"instance size of EnHorse is 0x3EC", "instance size of EnHorse is 0x3FC"),
    Mutation("wrong-size", r"Actor is 0x14C bytes", "Actor is 0x13C bytes"),
    Mutation(
        "not-in-version",
        r"ZeldaArena_MallocDebug\(0x100, __FILE__, __LINE__\)",
        "ZeldaArena_MallocDebug(0x100, __FILE__, __LINE__)",
        version="gc-us",
    ),
    Mutation("not-in-version", r"ZeldaArena_FreeDebug", "ZeldaArena_FreeDebug", version="ntsc-1.0"),
    Mutation("missing-object-dependency", r"&gDogSkel, &gDogWalkAnim", "&gEponaSkel, &gEponaIdleAnim"),
    Mutation("missing-object-dependency", r"&gDogSkel,", "&gCuccoSkel,"),
    Mutation("unknown-sfx", r"NA_SE_EV_SMALL_DOG_BARK", "NA_SE_EV_DOG_BARK"),
    Mutation("unknown-sfx", r"\(&this->actor, NA_SE_EV_HORSE_NEIGH\)", "(&this->actor, NA_SE_EV_HORSE_WHINNY)"),
    Mutation("unknown-flag", r"EVENTCHKINF_40\)\) \{", "EVENTCHKINF_DOG_FOUND)) {"),
    Mutation("unknown-object", r"OBJECT_DOG\);", "OBJECT_PUPPY);"),
    Mutation("unknown-type", r"PlayState\* play\)", "GlobalContext* play)"),
    Mutation("double-literal", r"0\.5f", "0.5"),
    Mutation("double-literal", r"0\.01f\)", "0.01)"),
    Mutation("double-literal", r"\b10\.0f\b", "10.0"),
    Mutation("double-literal", r"\b2\.0f\b", "2.0"),
    Mutation("double-math", r"\bsqrtf\(", "sqrt("),
    Mutation(
        "alloc-in-frame",
        r"    Actor_MoveXZGravity\(",
        "    this->buffer = ZeldaArena_Malloc(0x40);\n    Actor_MoveXZGravity(",
    ),
    Mutation(
        "alloc-in-frame",
        r"void EnPuppy_Init(\(Actor\* thisx, PlayState\* play\) \{\n"
        r"    EnPuppy\* this = \(EnPuppy\*\)thisx;\n\n    this->buffer)",
        r"void EnPuppy_Update\1",
    ),
    Mutation("large-stack-array", r"    Actor_MoveXZGravity\(", "    Vec3f trail[200];\n    Actor_MoveXZGravity("),
    Mutation("param-naming", r"PlayState\* play\) \{", "PlayState* globalCtx) {"),
    Mutation(
        "naming",
        r"void EnPuppy_Wander\(EnPuppy\* this, PlayState\* play\) \{",
        "void Wander(EnPuppy* this, PlayState* play) {",
    ),
    Mutation("profile-shape", r"    EnPuppy_Draw,\n\};", "};"),
    Mutation("forbidden-include", r"^(#define FLAGS)", '#include "../../../../../etc/passwd"\n\\1', needs_compile=True),
    Mutation("forbidden-include", r"^(#define FLAGS)", '#include "/etc/hostname"\n\\1', needs_compile=True),
    Mutation("compile-error", r"this->timer = 20;", "this->timer = 20", needs_compile=True),
    Mutation(
        "compile-error",
        r"Actor_MoveXZGravity\(&this->actor\);\n\{FENCE\}",
        "Actor_MoveXZGravity(&this->actor;\n{FENCE}",
        needs_compile=True,
    ),
    Mutation("compile-error", r"if \(this->timer == 0\) \{", "if (this->timer == 0 {", needs_compile=True),
]
# the double-literal and friends in prose-free code: fence-aware replacement
MUTATIONS = [
    Mutation(m.code, m.pattern.replace("{FENCE}", FENCE), m.repl.replace("{FENCE}", FENCE), m.version, m.needs_compile)
    for m in MUTATIONS
]


def _replace_in_assistant(example: Example, m: Mutation) -> Example | None:
    msgs = [dict(x.model_dump()) for x in example.messages]
    changed = False
    for msg in msgs:
        if msg["role"] != "assistant":
            continue
        new, n = re.subn(m.pattern, m.repl, msg["content"], count=1, flags=re.M)
        if n and new != msg["content"] or (n and m.version):
            msg["content"] = new
            changed = True
            break
    if not changed:
        return None
    meta = dict(example.metadata)
    if m.version:
        meta["version"] = m.version
    return Example(id=f"{example.id}+{m.code}", messages=msgs, metadata=meta)


def planted(include_compile: bool = False) -> list[tuple[str, Example]]:
    """(expected code, example) for every mutation applied to every example it fits."""
    out = []
    for m in MUTATIONS:
        if m.needs_compile and not include_compile:
            continue
        for e in CORRECT:
            p = _replace_in_assistant(e, m)
            if p is not None:
                out.append((m.code, p))
    return out


def score(validator, include_compile: bool = False) -> dict:
    """Recall per planted code, false alarms per code on the correct examples."""
    from collections import Counter, defaultdict

    correct_reports = validator.validate_many(CORRECT)
    false_alarms: Counter[str] = Counter()
    bad_examples = []
    for e, r in zip(CORRECT, correct_reports, strict=True):
        codes = {i.code for i in r.issues if i.severity.value == "error" or i.level in (3, 4)}
        for c in codes:
            false_alarms[c] += 1
        if codes:
            bad_examples.append((e.id, sorted(codes), [i.message for i in r.issues][:4]))
    cases = planted(include_compile)
    reports = validator.validate_many([e for _, e in cases])
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for (code, e), r in zip(cases, reports, strict=True):
        hits[code][1] += 1
        if code in r.codes():
            hits[code][0] += 1
        else:
            misses.append((code, e.id, sorted(r.codes())))
    return {
        "n_correct": len(CORRECT),
        "false_alarms": dict(false_alarms),
        "bad_examples": bad_examples,
        "recall": {c: tuple(v) for c, v in hits.items()},
        "misses": misses,
    }
