"""Families one by one, on hand-made contexts: the parser, and offline builders that state
exactly the facts they are given (or decline when the facts do not suffice)."""

from __future__ import annotations

import random

import pytest

from generate.families import FAMILIES, get_family
from generate.families.base import ParseError, parse_output, render_output, wrapper_call
from generate.families.optimization import padding_holes
from generate.models import Context, Fact, Message, Target

V = "ntsc-1.0"


def fact(fid: str, kind: str, entity: str, text: str, **data) -> Fact:
    return Fact(id=fid, kind=kind, entity=entity, text=text, source="src/x.c:1", data=data)


def sig(name: str, signature: str, params: list[tuple[str, str]]) -> Fact:
    return fact(f"sig:{name}@{V}", "Function", name, f"`{signature}` is defined in src/x.c:1.",
                name=name, signature=signature, return_type=signature.split()[0],
                params=[{"name": n, "type": t} for n, t in params], in_version=True)


def field(struct: str, name: str, offset: int, size: int, typ: str, pos: int) -> Fact:
    return fact(f"field:{struct}.{name}@{V}", "Field", f"{struct}.{name}",
                f"{struct}.{name} is at offset 0x{offset:X}, size 0x{size:X}, type `{typ}` ({V}).",
                struct=struct, field=name, offset=offset, size=size, type=typ, position=pos)


def ctx(kind: str, key: str, *facts: Fact) -> Context:
    return Context(target=Target(kind=kind, key=key), version=V, facts=list(facts))


RNG = random.Random(0)


def test_parse_roundtrip_and_errors():
    msgs = [Message(role="user", content="q?"), Message(role="assistant", content="a ```c\nx;\n```")]
    parsed = parse_output(render_output(msgs, ["sig:a", "field:b"]))
    assert parsed.messages == msgs and parsed.fact_ids == ["sig:a", "field:b"]
    for bad, why in [("hello", "no <user>"), ("<assistant>a</assistant>", "start with"),
                     ("<user>a</user><user>b</user><assistant>c</assistant>", "alternate"),
                     ("<user>a</user>", "end with"), ("<user>a</user><assistant> </assistant>", "empty")]:
        with pytest.raises(ParseError, match=why):
            parse_output(bad)
    with pytest.raises(ParseError, match="at least 4"):
        parse_output("<user>a</user><assistant>b</assistant>", min_turns=4)


def test_wrapper_call_reuses_the_signature():
    s = sig("Actor_SetScale", "void Actor_SetScale(Actor* actor, f32 scale)",
            [("actor", "Actor*"), ("scale", "f32")])
    assert wrapper_call(s, "Mod_Scale") == (
        "void Mod_Scale(Actor* actor, f32 scale) {\n    Actor_SetScale(actor, scale);\n}")
    jp = sig("Jpeg_Decode", "s32 Jpeg_Decode(JpegContext* ctx)", [("ctx", "JpegContext *")])
    jp.data["param_types"] = [{"type": "JpegContext", "file": "include/jpeg.h"}]
    assert wrapper_call(jp, "Mod_J").startswith('#include "jpeg.h"\n\ns32 Mod_J(JpegContext* ctx)')
    local = sig("BossVa_Spark", "void BossVa_Spark(BossVaEffect* e)", [("e", "BossVaEffect*")])
    local.data["param_types"] = [{"type": "BossVaEffect",
                                  "file": "src/overlays/actors/ovl_Boss_Va/z_boss_va.c"}]
    assert wrapper_call(local, "Mod_S") is None  # a type private to a .c file: no code
    ov = sig("EnX_Fire", "void EnX_Fire(EnX* this)", [("this", "EnX*")])
    ov.data["param_types"] = [{"type": "EnX", "file": "src/overlays/actors/ovl_En_X/z_en_x.h"}]
    assert wrapper_call(ov, "EnX_Mod").startswith('#include "overlays/actors/ovl_En_X/z_en_x.h"')
    r = sig("Rand_ZeroOne", "f32 Rand_ZeroOne(void)", [])
    assert wrapper_call(r, "Mod_R") is None  # nothing to pass through: no fake arguments


def test_every_family_declines_an_empty_context():
    for fam in FAMILIES.values():
        for kind in fam.target_kinds:
            assert fam.offline(ctx(kind, "X"), 2, RNG) is None, (fam.name, kind)


def test_save_data_adds_offset_to_the_global_address():
    c = ctx("Global", "gSaveContext",
            fact(f"global:gSaveContext@{V}", "Global", "gSaveContext", "gSaveContext is a global.",
                 struct="SaveContext"),
            fact(f"addr:gSaveContext@{V}:sym", "Global", "gSaveContext",
                 f"gSaveContext is at RAM address 0x8011A5D0 in {V}.", address=0x8011A5D0),
            field("SaveContext", "dayTime", 0xC, 2, "u16", 3))
    d = get_family("save-data").offline(c, 2, RNG)
    assert "0x8011A5D0 + 0xC = 0x8011A5DC" in d.messages[1].content
    assert set(d.fact_ids()) == {f.id for f in c.facts}


def test_graphics_texture_size_from_format():
    tex = fact("asset:OBJECT_X:gTex", "Object", "OBJECT_X", "gTex is a Texture (ci4 64x32).",
               name="gTex", format="ci4", width=64, height=32)
    d = get_family("graphics").offline(ctx("Object", "OBJECT_X", tex), 1, RNG)
    assert "1024 (0x400) bytes" in d.messages[1].content  # 64*32 texels at 4 bits


def test_optimization_padding_only_counts_alignment_gaps():
    fields = [field("S", "a", 0, 1, "u8", 0), field("S", "b", 4, 4, "s32", 1),
              field("S", "c", 0x40, 4, "s32", 2)]  # 0x8..0x40 is a member the graph lacks
    assert padding_holes(fields, 0x44) == [("a", 1, 3)]


def test_edge_case_type_range():
    c = ctx("Struct", "Actor", fact(f"size:Actor@{V}", "Struct", "Actor", "Actor is 0x14C bytes.",
                                    name="Actor", size=0x14C),
            field("Actor", "room", 3, 1, "s8", 2))
    d = get_family("edge-cases").offline(c, 2, RNG)
    text = d.messages[1].content
    assert "-128..127" in text and "128 does not fit" in text


def test_debugging_has_the_conversation_shape():
    s = sig("Actor_SetScale", "void Actor_SetScale(Actor* actor, f32 scale)",
            [("actor", "Actor*"), ("scale", "f32")])
    d = get_family("debugging-conversation").offline(ctx("Function", "Actor_SetScale", s), 2, RNG)
    roles = [m.role for m in d.messages]
    assert len(roles) >= 8 and roles == ["user", "assistant"] * (len(roles) // 2)
    assert "which game version" in d.messages[1].content  # the clarifying question
    assert "header" in d.messages[3].content  # the dead end
    assert "2 arguments" in d.messages[5].content  # the fix, from the signature
    get_family("debugging-conversation").parse(render_output(d.messages, d.fact_ids()))


def test_feature_development_states_the_new_size():
    c = ctx("Actor", "ACTOR_EN_X",
            fact("actor:ACTOR_EN_X", "Actor", "ACTOR_EN_X", "ACTOR_EN_X (actor id 0x10).",
                 overlay="ovl_En_X"),
            fact("profile:ACTOR_EN_X:update", "Function", "EnX_Update", "update is EnX_Update.",
                 role="update", function="EnX_Update", signature="void EnX_Update(Actor* thisx)"),
            fact(f"size:EnX@{V}", "Struct", "EnX", "struct EnX is 0x1A2 bytes.", name="EnX",
                 size=0x1A2, align=4))
    d = get_family("feature-development").offline(c, 3, RNG)
    assert len(d.messages) >= 6
    assert "starts at 0x1A4, so the struct becomes 0x1A8 bytes" in d.messages[3].content


def test_version_migration_reports_differences_or_their_absence():
    diff = fact("sizediff:PlayState@gc-eu-mq-dbg", "Struct", "PlayState",
                "PlayState is 0x12518 bytes in gc-eu-mq-dbg. That differs from ntsc-1.0.",
                version="gc-eu-mq-dbg", size=0x12518, base_size=0x117A4)
    d = get_family("version-migration").offline(ctx("Struct", "PlayState", diff), 2, RNG)
    assert "0x12518" in d.messages[1].content and "gc-eu-mq-dbg" in d.messages[0].content
    same = fact("versions:Actor_Kill", "Function", "Actor_Kill", "Actor_Kill exists in 2.",
                versions=[V, "gc-eu-mq-dbg"])
    d = get_family("version-migration").offline(ctx("Function", "Actor_Kill", same), 1, RNG)
    assert "no signature difference" in d.messages[1].content


def test_version_migration_counts_moved_members_and_their_shift():
    moved = [fact(f"offdiff:S.{m}@gc-eu-mq-dbg", "Field", f"S.{m}", f"S.{m} moved.", struct="S",
                  field=m, version="gc-eu-mq-dbg", offset=off + 0x10, base_offset=off)
             for m, off in (("a", 0x140), ("b", 0x150))]
    d = get_family("version-migration").offline(ctx("Struct", "S", *moved), 3, RNG)
    assert ("2 members of S sit at another offset in ntsc-1.0 than in gc-eu-mq-dbg; each of "
            "those is 0x10 lower in ntsc-1.0") in d.messages[1].content
