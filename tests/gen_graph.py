"""A small hand-written graph in the decomp's shape for the generation tests.

Used until (and beside) the ingested fixture tree: a few actors, functions,
structs with per-version layouts, a scene, an object, audio and save entities
and a four-concept curriculum. Values are illustrative; the tests check that
generation repeats them faithfully, not that they match a ROM.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

from kg.facts import Facts
from kg.settings import Settings
from kg.store import open_store

DBG, NTSC = "gc-eu-mq-dbg", "ntsc-1.0"
VERSIONS = (NTSC, DBG)

FUNCTIONS = {
    # name: (signature, file, line, params, versions)
    "Actor_Kill": ("void Actor_Kill(Actor* actor)", "src/code/z_actor.c", 1201, [("actor", "Actor*")], VERSIONS),
    "Actor_SetScale": (
        "void Actor_SetScale(Actor* actor, f32 scale)",
        "src/code/z_actor.c",
        1280,
        [("actor", "Actor*"), ("scale", "f32")],
        VERSIONS,
    ),
    "Actor_PlaySfx": (
        "void Actor_PlaySfx(Actor* actor, u16 sfxId)",
        "src/code/z_actor.c",
        2004,
        [("actor", "Actor*"), ("sfxId", "u16")],
        VERSIONS,
    ),
    "Gfx_SetupDL_25Opa": (
        "void Gfx_SetupDL_25Opa(GraphicsContext* gfxCtx)",
        "src/code/z_rcp.c",
        1290,
        [("gfxCtx", "GraphicsContext*")],
        VERSIONS,
    ),
    "Sram_WriteSave": (
        "void Sram_WriteSave(SramContext* sramCtx)",
        "src/code/z_sram.c",
        512,
        [("sramCtx", "SramContext*")],
        VERSIONS,
    ),
    "DebugDisplay_AddObject": (
        "void DebugDisplay_AddObject(f32 posX, f32 posY, f32 posZ, s16 rotX, s16 rotY, s16 rotZ, "
        "f32 scaleX, f32 scaleY, f32 scaleZ, u8 red, u8 green, u8 blue, u8 alpha, s16 type, "
        "GraphicsContext* gfxCtx)",
        "src/code/debug_display.c",
        40,
        [],
        (DBG,),
    ),
}
for _role in ("Init", "Destroy", "Update", "Draw"):
    FUNCTIONS[f"EnTite_{_role}"] = (
        f"void EnTite_{_role}(Actor* thisx, PlayState* play)",
        "src/overlays/actors/ovl_En_Tite/z_en_tite.c",
        {"Init": 180, "Destroy": 240, "Update": 820, "Draw": 990}[_role],
        [("thisx", "Actor*"), ("play", "PlayState*")],
        VERSIONS,
    )

ADDRESSES = {("Actor_Kill", DBG): 0x8002D610, ("Actor_Kill", NTSC): 0x80020EB4, ("Actor_SetScale", DBG): 0x8002D62C}

CALLS = [
    ("EnTite_Update", "Actor_Kill", 2),
    ("EnTite_Init", "Actor_SetScale", 1),
    ("EnTite_Update", "Actor_PlaySfx", 3),
    ("EnTite_Draw", "Gfx_SetupDL_25Opa", 1),
]

ACTOR_FIELDS = [
    ("id", 0x0, 2, "s16"),
    ("category", 0x2, 1, "u8"),
    ("room", 0x3, 1, "s8"),
    ("flags", 0x4, 4, "u32"),
    ("home", 0x8, 0x14, "PosRot"),
    ("params", 0x1C, 2, "s16"),
    ("world", 0x24, 0x14, "PosRot"),
    ("velocity", 0x5C, 0xC, "Vec3f"),
    ("speed", 0x68, 4, "f32"),
    ("gravity", 0x6C, 4, "f32"),
]
ENTITE_FIELDS = [
    ("actor", 0x0, 0x14C, "Actor"),
    ("skelAnime", 0x14C, 0x44, "SkelAnime"),
    ("action", 0x190, 4, "s32"),
    ("vAttackState", 0x194, 4, "s32"),
]
SAVE_FIELDS = [
    ("entranceIndex", 0x0, 4, "s32"),
    ("linkAge", 0x4, 4, "s32"),
    ("cutsceneIndex", 0x8, 4, "s32"),
    ("dayTime", 0xC, 2, "u16"),
]


FIXTURES = Path(__file__).resolve().parent / "fixtures"
_CHECKOUT: list[Path] = []


def checkout() -> Path:
    """A small checkout for the code fallback: the minidecomp's versions, Makefile and
    baseroms, with the generation fixture's sources (tests/fixtures/gencode) over it."""
    if not _CHECKOUT:
        root = Path(tempfile.mkdtemp(prefix="ootkg-gen-checkout-")) / "oot"
        atexit.register(shutil.rmtree, root.parent, ignore_errors=True)
        shutil.copytree(FIXTURES / "minidecomp", root)
        shutil.copytree(FIXTURES / "gencode", root, dirs_exist_ok=True)
        _CHECKOUT.append(root)
    return _CHECKOUT[0]


def _lines() -> dict[str, tuple[str, int]]:
    """(file, definition line) of every function the fixture sources define."""
    import re

    out = {}
    root = FIXTURES / "gencode"
    for path in sorted(root.rglob("*.c")):
        rel = path.relative_to(root).as_posix()
        for i, line in enumerate(path.read_text().split("\n"), 1):
            m = re.match(r"^\w[\w* ]*?\b(\w+)\(.*\)\s*\{$", line)
            if m:
                out[m.group(1)] = (rel, i)
    return out


def definition_line(file: str, name: str) -> int:
    """Where the fixture source defines ``name`` (the graph records this line)."""
    text = (FIXTURES / "gencode" / file).read_text().split("\n")
    return next(i for i, line in enumerate(text, 1) if line.rstrip().endswith("{") and f" {name}(" in line)


def build_facts() -> Facts:
    import hashlib

    lines = _lines()
    for name, (sig, _file, _line, params, versions) in list(FUNCTIONS.items()):
        if name in lines:
            FUNCTIONS[name] = (sig, lines[name][0], lines[name][1], params, versions)
    f = Facts()
    root = checkout()
    for i, v in enumerate(VERSIONS):
        f.node("Version", id=v, name=v, ordinal=i, is_default=v == DBG, debug=v == DBG)
    for name, (sig, file, line, params, versions) in FUNCTIONS.items():
        ps = json.dumps([{"name": n, "type": t} for n, t in params])
        f.node(
            "Function",
            name=name,
            signature=sig,
            return_type="void",
            params=ps,
            file=file,
            line=line,
            static=False,
            defined=True,
        )
        full = root / file
        sha = hashlib.sha1(full.read_bytes()).hexdigest() if full.is_file() else None
        f.node("File", path=file, sha=sha)
        f.rel("DEFINED_IN", name, file, from_kind="Function", to_kind="File", line=line)
        for v in versions:
            f.rel(
                "IN_VERSION",
                name,
                v,
                from_kind="Function",
                signature=sig,
                file=file,
                line=line,
                params=ps,
                return_type="void",
            )
    for name, (_, _, _, params, _) in FUNCTIONS.items():
        for pos, (_, ptype) in enumerate(params):
            base = ptype.rstrip("*")
            if base in ("Actor", "PlayState"):
                f.rel("HAS_PARAM_TYPE", name, base, to_kind="Struct", position=pos)
    for (name, v), addr in ADDRESSES.items():
        f.rel("LOCATED_AT", name, v, from_kind="Function", address=addr, source=f"symbols/{v}")
    for a, b, n in CALLS:
        f.rel("CALLS", a, b, count=n, versions=list(VERSIONS))
    sizes = {"Actor": 0x14C, "EnTite": 0x2E0, "SaveContext": 0x1428, "PlayState": 0x12518}
    for struct, fields in (
        ("Actor", ACTOR_FIELDS),
        ("EnTite", ENTITE_FIELDS),
        ("SaveContext", SAVE_FIELDS),
        ("PlayState", []),
    ):
        file = {"EnTite": "src/overlays/actors/ovl_En_Tite/z_en_tite.h"}.get(struct, "include/z64.h")
        sline = 11 if struct == "EnTite" else 100
        if struct == "EnTite":
            f.node("File", path=file, sha=hashlib.sha1((root / file).read_bytes()).hexdigest())
        f.node("Struct", name=struct, kind="struct", size=sizes[struct], align=4, file=file, line=sline)
        for v in VERSIONS:
            # The retail builds' structs are smaller where the debug build adds members.
            size = {("PlayState", NTSC): 0x117A4, ("EnTite", NTSC): 0x2D0}.get((struct, v), sizes[struct])
            f.rel("IN_VERSION", struct, v, from_kind="Struct", size=size, align=4, file=file, line=sline)
        for pos, (fld, off, size, typ) in enumerate(fields):
            fid = f"{struct}.{fld}"
            f.node("Field", id=fid, struct=struct, name=fld, offset=off, size=size, type=typ, position=pos)
            f.rel("HAS_FIELD", struct, fid, position=pos)
            for v in VERSIONS:
                moved = off + 4 if (struct == "EnTite" and fld == "vAttackState" and v == NTSC) else off
                f.rel("IN_VERSION", fid, v, from_kind="Field", offset=moved, size=size, type=typ)
    f.node(
        "Actor",
        enum="ACTOR_EN_TITE",
        id=0x1B,
        overlay="ovl_En_Tite",
        debug_name="En_Tite",
        category="ACTORCAT_ENEMY",
        flags=0x5,
        flag_names=["ACTOR_FLAG_ATTENTION_ENABLED", "ACTOR_FLAG_HOSTILE"],
        alloc="ALLOCTYPE_NORMAL",
        instance_size=0x2E0,
        instance_struct="EnTite",
        object="OBJECT_TITE",
        file="src/overlays/actors/ovl_En_Tite/z_en_tite.c",
    )
    for flag, value in (("ACTOR_FLAG_ATTENTION_ENABLED", 1 << 0), ("ACTOR_FLAG_HOSTILE", 1 << 2)):
        f.node(
            "Define", name=flag, value=value, body=f"(1 << {value.bit_length() - 1})", file="include/actor.h", line=60
        )
        for v in VERSIONS:
            f.rel("IN_VERSION", flag, v, from_kind="Define", value=value)
    f.node(
        "Actor",
        enum="ACTOR_EN_KUSA",
        id=0x125,
        overlay="ovl_En_Kusa",
        debug_name="En_Kusa",
        category="ACTORCAT_PROP",
        flags=0x800010,
        alloc="ALLOCTYPE_NORMAL",
        instance_size=0x1A0,
        object="OBJECT_GAMEPLAY_KEEP",
        file="src/overlays/actors/ovl_En_Kusa/z_en_kusa.c",
    )
    f.node("Actor", enum="ACTOR_PLAYER", id=0, category="ACTORCAT_PLAYER", internal=True)
    for v in VERSIONS:
        f.rel("IN_VERSION", "ACTOR_EN_TITE", v, from_kind="Actor")
        f.rel("IN_VERSION", "ACTOR_EN_KUSA", v, from_kind="Actor")
    f.rel("INSTANCE_OF", "ACTOR_EN_TITE", "EnTite")
    for role in ("init", "destroy", "update", "draw"):
        f.rel("PROFILE_FN", "ACTOR_EN_TITE", f"EnTite_{role.capitalize()}", from_kind="Actor", role=role)
    f.node("Object", enum="OBJECT_TITE", id=0x17, segment="object_tite")
    f.node("Object", enum="OBJECT_GAMEPLAY_KEEP", id=0x1, segment="gameplay_keep")
    f.rel("USES_OBJECT", "ACTOR_EN_TITE", "OBJECT_TITE", from_kind="Actor", via="profile")
    f.rel("USES_OBJECT", "ACTOR_EN_KUSA", "OBJECT_GAMEPLAY_KEEP", from_kind="Actor", via="profile")
    f.node("Asset", id="object_tite/gTektiteSkel", name="gTektiteSkel", kind="Skeleton", offset=0x1F8C)
    f.node(
        "Asset",
        id="object_tite/gTektiteBodyTex",
        name="gTektiteBodyTex",
        kind="Texture",
        offset=0x1300,
        format="rgba16",
        width=32,
        height=32,
    )
    f.rel("HAS_ASSET", "OBJECT_TITE", "object_tite/gTektiteSkel", from_kind="Object")
    f.rel("HAS_ASSET", "OBJECT_TITE", "object_tite/gTektiteBodyTex", from_kind="Object")
    f.node(
        "Scene",
        enum="SCENE_HYRULE_FIELD",
        id=0x51,
        segment="spot00_scene",
        title_card="g_pn_01",
        draw_config="SDC_HYRULE_FIELD",
    )
    f.node("Room", name="spot00_room_0", scene="SCENE_HYRULE_FIELD", position=0)
    f.rel("HAS_ROOM", "SCENE_HYRULE_FIELD", "spot00_room_0", position=0)
    f.node("Entrance", enum="ENTR_HYRULE_FIELD_0", id=0xCD, scene="SCENE_HYRULE_FIELD", spawn=0)
    f.rel("ENTERS", "ENTR_HYRULE_FIELD_0", "SCENE_HYRULE_FIELD", spawn=0)
    f.node("Global", id="gSaveContext", name="gSaveContext", type="SaveContext", file="src/code/z_sram.c", line=4)
    f.node(
        "Global",
        id="En_Tite_Profile",
        name="En_Tite_Profile",
        type="ActorProfile",
        file="src/overlays/actors/ovl_En_Tite/z_en_tite.c",
        line=12,
    )
    tite = "src/overlays/actors/ovl_En_Tite/z_en_tite.c"
    f.node("Global", id=f"{tite}:sHopVelocity", name="sHopVelocity", type="Vec3f", file=tite, line=52, static=True)
    f.rel("OF_TYPE", "gSaveContext", "SaveContext", from_kind="Global", to_kind="Struct")
    for v in VERSIONS:
        f.rel("IN_VERSION", "gSaveContext", v, from_kind="Global", type="SaveContext")
    f.rel("LOCATED_AT", "gSaveContext", NTSC, from_kind="Global", address=0x8011A5D0, source=f"symbols/{NTSC}")
    f.rel("LOCATED_AT", "gSaveContext", DBG, from_kind="Global", address=0x8015E660, source=f"symbols/{DBG}")
    f.node("Sequence", enum="NA_BGM_FIELD_LOGIC", id=0x2, name="Hyrule Field", medium="cart", cache_policy="temporary")
    f.node("Sfx", enum="NA_SE_EN_TEKU_JUMP_WATER", id=0x38A0, bank="enemy", importance=48)
    f.node("Segment", name="ovl_En_Tite", number=0, overlay=True, compress=True)
    f.rel("IN_SEGMENT", "src/overlays/actors/ovl_En_Tite/z_en_tite.c", "ovl_En_Tite", from_kind="File")
    concepts = [
        ("actor-basics", "What an actor is", "actors", 1, [], [("Struct", "Actor"), ("Function", "Actor_Kill")]),
        (
            "actor-lifecycle",
            "Actor init, update, draw and destroy",
            "actors",
            1,
            ["actor-basics"],
            [("Actor", "ACTOR_EN_TITE"), ("Function", "Actor_SetScale")],
        ),
        ("display-lists", "Display lists and the RSP", "graphics", 2, [], [("Function", "Gfx_SetupDL_25Opa")]),
        (
            "actor-drawing",
            "Drawing an actor",
            "graphics",
            3,
            ["actor-lifecycle", "display-lists"],
            [("Function", "EnTite_Draw"), ("Object", "OBJECT_TITE")],
        ),
    ]
    for cid, title, domain, diff, reqs, covers in concepts:
        f.node(
            "Concept",
            id=cid,
            title=title,
            domain=domain,
            difficulty=diff,
            summary=f"{title}: the fixture summary of {cid}.",
        )
        for r in reqs:
            f.rel("REQUIRES", cid, r)
        for kind, key in covers:
            f.rel("COVERS", cid, key, to_kind=kind, kind=kind)
    f.node(
        "IngestRun",
        id="ingest-fixture-1",
        decomp_commit="269d03016c",
        versions=list(VERSIONS),
        started="2026-11-25T12:00:00Z",
        duration=1.0,
        decomp_path=str(root),
        built_versions=["ntsc-1.0", "pal-1.0", "gc-us", DBG],
    )
    return f


_TEMPLATE: list[Path] = []


def make_store(path: Path) -> Settings:
    """An embedded store at ``path`` holding the fixture graph; returns its Settings.

    The graph is built once per test session and copied (a directory copy is much
    cheaper than a load)."""
    if not _TEMPLATE:
        scratch = tempfile.mkdtemp(prefix="ootkg-gen-graph-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        template = Path(scratch) / "graph"
        with open_store(Settings(db=template), read_only=False) as store:
            store.replace_graph(build_facts())
        _TEMPLATE.append(template)
    shutil.copytree(_TEMPLATE[0], path, ignore=shutil.ignore_patterns("write.lock"))
    return Settings(db=path)
