"""The one graph schema: node kinds, key properties, property types, relationship kinds.

Everything else derives from this module: the embedded store's DDL, Neo4j's
constraints and indexes, the writers' validation and the README's schema table.
Unknown kinds or properties are errors, never silent no-matches.

Per-version facts live on ``IN_VERSION`` edges (entity -> Version): existence is
the edge, and what varies by version (signature, size, offset, value, address)
is a property of that edge, so one version never overwrites another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PropType(StrEnum):
    STRING = "STRING"
    INT = "INT64"
    FLOAT = "DOUBLE"
    BOOL = "BOOLEAN"
    STRING_LIST = "STRING[]"


S, I, F, B, SL = PropType.STRING, PropType.INT, PropType.FLOAT, PropType.BOOL, PropType.STRING_LIST  # noqa: E741 - short aliases keep the tables readable


class SchemaError(ValueError):
    """A kind or property the schema does not define."""


@dataclass(frozen=True)
class NodeKind:
    label: str
    key: str
    props: dict[str, PropType]
    doc: str = ""

    def __post_init__(self) -> None:
        if self.key not in self.props:
            raise SchemaError(f"{self.label}: key {self.key!r} must be one of its properties")


@dataclass(frozen=True)
class RelKind:
    type: str
    pairs: tuple[tuple[str, str], ...]
    props: dict[str, PropType] = field(default_factory=dict)
    # A property that, with the two end keys, identifies one relationship: lets
    # several edges of one type join the same two nodes (e.g. one per source).
    discriminator: str | None = None
    doc: str = ""
    # False: the embedded store keeps this type's edges in their forward direction only
    # (``storage_direction = 'fwd'``). Matching from the far end still works, as a scan.
    backward: bool = True


# Properties shared by every per-version edge. Which ones are set depends on the
# entity: a Function's edge has signature/file/line, a Field's offset/size/type.
_PER_VERSION: dict[str, PropType] = {
    "file": S,
    "line": I,
    "signature": S,
    "return_type": S,
    "params": S,  # JSON list of {"name","type"}
    "static": B,
    "defined": B,
    "size": I,
    "align": I,
    "offset": I,
    "type": S,
    "value": I,
    "address": I,
    "text": S,  # version-specific text: a macro body, a definition as the version compiles it
}

_NODE_KINDS: list[NodeKind] = [
    NodeKind(
        "Version",
        "id",
        {
            "id": S,
            "name": S,
            "platform": S,
            "region": S,
            "mq": B,
            "debug": B,
            "ordinal": I,
            "revision": S,
            "is_default": B,
        },
        "A game version the checkout defines (include/versions.h, baseroms/).",
    ),
    NodeKind(
        "File",
        "path",
        {
            "path": S,
            "sha": S,
            "kind": S,
            "segment": S,
            "errors": I,
            "warnings": I,
            "diagnostics": S,
            "status": S,
            "reason": S,
        },
        "A source or data file; diagnostics are the parser's, kept, never dropped. "
        "status/reason: why a .c under src/ is not compiled on its own (see "
        "ingest.checkout.file_audit), unset for the files the run compiled.",
    ),
    NodeKind(
        "Function",
        "name",
        {
            "name": S,
            "signature": S,
            "return_type": S,
            "params": S,
            "file": S,
            "line": I,
            "static": B,
            "defined": B,
            "indirect_calls": I,
            "start_line": I,
            "end_line": I,
            "source": S,
        },
        "A C function; representative signature here, per-version ones on IN_VERSION. "
        "source: the definition as written (lines start_line..end_line of file); "
        "IN_VERSION.text: as that version compiles it, where that differs.",
    ),
    NodeKind(
        "Struct",
        "name",
        {
            "name": S,
            "kind": S,
            "size": I,
            "align": I,
            "file": S,
            "line": I,
            "start_line": I,
            "end_line": I,
            "definition": S,
        },
        "A struct or union; size/align on the N64 ABI (MIPS target); definition: its text "
        "as written (lines start_line..end_line of file).",
    ),
    NodeKind(
        "Field",
        "id",
        {
            "id": S,
            "struct": S,
            "name": S,
            "offset": I,
            "size": I,
            "type": S,
            "position": I,
            "bit_offset": I,
            "bit_width": I,
        },
        "A struct member, key 'Struct.member'; per-version offsets on IN_VERSION. A "
        "bitfield has bit_offset (bits from the struct's start) and bit_width, and no size; "
        "members of an anonymous struct/union member are listed flat ('inner', or "
        "'member.inner' when the member is named), at their offsets in the struct.",
    ),
    NodeKind("Enum", "name", {"name": S, "file": S, "line": I}),
    NodeKind("EnumConstant", "name", {"name": S, "enum": S, "value": I}),
    NodeKind("Typedef", "name", {"name": S, "underlying": S, "file": S, "line": I}),
    NodeKind(
        "Global",
        "id",
        {
            "id": S,
            "name": S,
            "type": S,
            "file": S,
            "line": I,
            "static": B,
            "defined": B,
            "start_line": I,
            "end_line": I,
            "initializer": S,
        },
        "A global variable, key its name; a file-local (static) one, 'file:name' (each "
        "file's sInitChain is its own variable; see global_id). initializer: the "
        "definition as written, initializer included (lines start_line..end_line).",
    ),
    NodeKind(
        "LinkerSymbol",
        "name",
        {"name": S, "type": S, "file": S, "line": I},
        "A name declared only for its address (extern u8 X[]; never defined in C): ld's "
        "segment symbols (_ovl_XSegmentRomStart), the audio tables' X_Size, ucode "
        "boundaries. The address is the value; the declared type says nothing.",
    ),
    NodeKind(
        "VersionBlock",
        "id",
        {
            "id": S,
            "file": S,
            "line": I,
            "last_line": I,
            "directive": S,
            "condition": S,
            "text": S,
            "block": S,
            "endif_line": I,
            "parent": S,
            "position": I,
            "versions": SL,
        },
        "One branch of an #if/#ifdef/#ifndef block (#elif/#else branches are their own), "
        "key 'file:line' of its directive; last_line: the end of its body; block: the "
        "key of its #if; parent: the enclosing branch; versions: the ingested versions "
        "whose parse of the file compiles it.",
    ),
    NodeKind(
        "Pattern",
        "id",
        {
            "id": S,
            "name": S,
            "description": S,
            "kind": S,
            "anchor": S,
            "roles": SL,
            "steps": SL,
            "support": I,
            "actors": SL,
            "counter_examples": SL,
            "version_support": S,
            "excerpts": S,
            "curated": B,
        },
        "An idiom mined from the decomp (ingest/patterns): ordered steps (STEP edges), "
        "the actors that follow it (FOLLOWS), support = how many actors have every step, "
        "counter_examples = actors with the anchor but not every step, version_support: "
        "JSON {version: actors}, excerpts: JSON list of verbatim {actor, file, line, "
        "end_line, text}, ranked.",
    ),
    NodeKind(
        "Define", "name", {"name": S, "value": I, "body": S, "file": S, "line": I, "params": S, "function_like": B}
    ),
    NodeKind(
        "Actor",
        "enum",
        {
            "enum": S,
            "id": I,
            "overlay": S,
            "debug_name": S,
            "category": S,
            "flags": I,
            "flag_names": SL,
            "alloc": S,
            "instance_size": I,
            "instance_struct": S,
            "object": S,
            "file": S,
            "internal": B,
            "unset": B,
            "profile_id": I,
            "profile_id_enum": S,
        },
    ),
    NodeKind("Object", "enum", {"enum": S, "id": I, "segment": S, "segment_number": I, "empty": B, "unset": B}),
    NodeKind(
        "Asset",
        "id",
        {
            "id": S,
            "name": S,
            "kind": S,
            "offset": I,
            "file": S,
            "format": S,
            "width": I,
            "height": I,
            "count": I,
            "extra": S,
            "versions": SL,
        },
    ),
    NodeKind("Scene", "enum", {"enum": S, "id": I, "segment": S, "title_card": S, "draw_config": S, "unset": B}),
    NodeKind("Room", "name", {"name": S, "scene": S, "position": I}),
    NodeKind(
        "Entrance",
        "enum",
        {"enum": S, "id": I, "scene": S, "spawn": I, "continue_bgm": B, "title_card": B, "trans_in": S, "trans_out": S},
    ),
    NodeKind("Sequence", "enum", {"enum": S, "id": I, "name": S, "medium": S, "cache_policy": S, "flags": S}),
    NodeKind(
        "Sfx",
        "enum",
        {"enum": S, "id": I, "bank": S, "channel": S, "importance": I, "dist_range": S, "rand_freq": S, "flags": S},
    ),
    NodeKind("EffectSs", "enum", {"enum": S, "id": I, "name": S, "unset": B}),
    NodeKind("GameState", "enum", {"enum": S, "id": I, "type": S, "overlay": S}),
    NodeKind("Segment", "name", {"name": S, "number": I, "romalign": I, "compress": B, "overlay": B}),
    NodeKind(
        "Soundfont",
        "name",
        {"name": S, "number": I, "file": S, "instruments": I, "programs": S, "drums": I, "effects": I, "envelopes": I},
        "A soundfont from the decomp's extraction XML (assets/xml/audio/soundfonts): "
        "its instruments' program numbers (JSON list), drum, effect and envelope counts.",
    ),
    NodeKind(
        "SampleBank",
        "name",
        {"name": S, "number": I, "file": S, "samples": I, "rates": S},
        "A sample bank from assets/xml/audio/samplebanks: sample count and the sample rates used (JSON list).",
    ),
    NodeKind("Concept", "id", {"id": S, "title": S, "domain": S, "difficulty": I, "summary": S}),
    NodeKind(
        "IngestRun",
        "id",
        {
            "id": S,
            "decomp_commit": S,
            "versions": SL,
            "started": S,
            "duration": F,
            "counts": S,
            "ootkg_version": S,
            "sources": SL,
            "decomp_path": S,
            "built_versions": SL,
        },
        "One ingest: versions = the ingested ones, built_versions = every version the "
        "checkout builds; decomp_path: where the checkout was (the code fallback reads it).",
    ),
    NodeKind(
        "Example",
        "id",
        {
            "id": S,
            "family": S,
            "difficulty": I,
            "version": S,
            "ok": B,
            "level_reached": I,
            "generator": S,
            "model": S,
            "target": S,
            "created": S,
            "output": S,
        },
    ),
    NodeKind(
        "Review",
        "id",
        {
            "id": S,
            "example": S,
            "reviewer": S,
            "action": S,
            "reason": S,
            "note": S,
            "score": I,
            "revision": I,
            "created": S,
            "run": S,
        },
        "A person's judgement of an Example (review/): accept, reject with a reason, an "
        "edit (a new revision of one message) or a 1-10 score; synced from the run's "
        "append-only reviews JSONL, which is the truth.",
    ),
]

# "Define" is the design's Macro kind: MACRO is a reserved word in Ladybug's Cypher.
_CODE_ENTITIES = ("Function", "Struct", "Field", "Enum", "EnumConstant", "Typedef", "Global", "Define", "LinkerSymbol")
_DOMAIN_ENTITIES = (
    "Actor",
    "Object",
    "Asset",
    "Scene",
    "Room",
    "Entrance",
    "Sequence",
    "Sfx",
    "EffectSs",
    "GameState",
    "Segment",
    "Soundfont",
    "SampleBank",
)
# what a concept may cover, an example be grounded in, a review be about
COVERABLE_KINDS = (*_CODE_ENTITIES, *_DOMAIN_ENTITIES)
_TYPE_TARGETS = ("Struct", "Typedef", "Enum")


def _to_version(*kinds: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, "Version") for k in kinds)


def _pairs(froms: tuple[str, ...], tos: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a in froms for b in tos)


_REL_KINDS: list[RelKind] = [
    # Forward only: every IN_VERSION edge ends at one of ~16 Version nodes, so a backward
    # index puts each pair's edges (213k for Function -> Version) in one node group, which any
    # edge added to it rewrote at checkpoint (~0.6 s on a 16-version graph). Queries go from
    # the entity to its versions.
    RelKind(
        "IN_VERSION",
        _to_version("File", *_CODE_ENTITIES, *_DOMAIN_ENTITIES),
        _PER_VERSION,
        doc="Existence in a version; version-specific values live here.",
        backward=False,
    ),
    RelKind(
        "CALLS",
        (("Function", "Function"),),
        {"count": I, "versions": SL, "line": I},
        doc="Caller -> callee with call-site count; versions where the call exists; line: "
        "the first call's line in the caller's file.",
    ),
    RelKind(
        "DEFINED_IN",
        _pairs((*_CODE_ENTITIES, "Actor", "Object", "Scene", "Room", "Asset", "VersionBlock"), ("File",)),
        {"line": I},
    ),
    RelKind("DECLARED_IN", (("Function", "File"), ("Global", "File"), ("LinkerSymbol", "File")), {"line": I}),
    RelKind(
        "ASSIGNS",
        (("Function", "Function"),),
        {"field": S, "struct": S, "line": I, "via": S, "versions": SL},
        discriminator="field",
        doc="The setter stores the function in a field (field 'Struct.member', e.g. "
        "'Actor.draw', 'EnZl4.actionFunc'; a global variable's name): a runtime-assigned "
        "callback. via: the helper (SetupAction-like) the setter passes it to, which "
        "stores its parameter.",
    ),
    RelKind(
        "PASSES",
        (("Function", "Function"),),
        {"site": S, "callee": S, "position": I, "param": S, "line": I, "versions": SL},
        discriminator="site",
        doc="The caller passes the function as argument `position` (parameter `param`) of a "
        "call to `callee` (none: an indirect call): a callback, e.g. an "
        "OverrideLimbDraw to SkelAnime_DrawFlexOpa. site: 'callee:position'.",
    ),
    RelKind(
        "REFERS_TO",
        (("Global", "Function"),),
        {"position": I},
        doc="The global's initializer names the function (tables of action functions, "
        "profiles); position: its first mention's index.",
    ),
    RelKind(
        "STEP",
        (("Pattern", "Function"), ("Pattern", "Struct"), ("Pattern", "Typedef")),
        {"position": I, "role": S, "kind": S},
        discriminator="position",
        doc="A pattern's step, in order: a call in a role function (kind 'call'), a static "
        "initializer of a type (kind 'data'), a callback passed (kind 'pass').",
    ),
    RelKind(
        "FOLLOWS",
        (("Actor", "Pattern"), ("Function", "Pattern")),
        {"complete": B, "missing": SL, "versions": SL, "role": S},
        doc="An actor that has the pattern's anchor: complete when it has every step "
        "(missing: the steps it lacks, a counter-example); versions: where every step it "
        "has exists. Function -> Pattern: a function of a complete actor where a step "
        "occurs (role).",
    ),
    RelKind("HAS_FIELD", (("Struct", "Field"),), {"position": I}),
    RelKind("HAS_CONSTANT", (("Enum", "EnumConstant"),), {"position": I}),
    RelKind("OF_TYPE", _pairs(("Field", "Global", "Typedef"), _TYPE_TARGETS)),
    RelKind("RETURNS", _pairs(("Function",), _TYPE_TARGETS)),
    RelKind("HAS_PARAM_TYPE", _pairs(("Function",), _TYPE_TARGETS), {"position": I}, discriminator="position"),
    RelKind(
        "LOCATED_AT",
        _to_version("Function", "Global", "Segment", "Asset", "LinkerSymbol"),
        {"address": I, "hex": S, "size": I, "source": S, "segment": S, "provenance": S, "listed_as": S},
        discriminator="source",
        doc="A RAM address in one version (also as 0x%08X text, as people read and search "
        "them), with the source that says so and where that source was taken from "
        "(provenance: a list's repository@commit:path, a map's path); listed_as: the "
        "list's own name when the decomp has renamed the symbol since.",
    ),
    RelKind("PROFILE_FN", (("Actor", "Function"), ("EffectSs", "Function")), {"role": S}, discriminator="role"),
    RelKind(
        "USES_OBJECT",
        (("Actor", "Object"), ("Scene", "Object")),
        {"via": S, "versions": SL},
        discriminator="via",
        doc="via: profile | include | runtime | scene",
    ),
    RelKind("INSTANCE_OF", (("Actor", "Struct"),)),
    RelKind("IN_SEGMENT", _pairs(("File", "Object", "Scene", "Room", "Actor", "GameState", "EffectSs"), ("Segment",))),
    RelKind("HAS_ASSET", _pairs(("Object", "Scene", "Room"), ("Asset",))),
    RelKind("HAS_ROOM", (("Scene", "Room"),), {"position": I}),
    RelKind("ENTERS", (("Entrance", "Scene"),), {"spawn": I}),
    RelKind(
        "USES_FONT",
        (("Sequence", "Soundfont"),),
        {"position": I},
        doc="The fonts a sequence's source includes, in order (position).",
    ),
    RelKind("REQUIRES", (("Concept", "Concept"),)),
    # kind: the target's node kind, so a query can name it portably (no labels()).
    RelKind("COVERS", _pairs(("Concept",), COVERABLE_KINDS), {"kind": S}),
    RelKind("GROUNDED_IN", _pairs(("Example",), (*COVERABLE_KINDS, "Concept", "Version"))),
    RelKind("BUILDS_ON", (("Example", "Example"),)),
    RelKind("REVIEWS", (("Review", "Example"),)),
    RelKind(
        "FLAGS",
        _pairs(("Review",), (*COVERABLE_KINDS, "Concept")),
        {"kind": S},
        doc="A 'factually wrong' review -> the entities the reviewer names as misstated.",
    ),
]

NODE_KINDS: dict[str, NodeKind] = {k.label: k for k in _NODE_KINDS}
REL_KINDS: dict[str, RelKind] = {r.type: r for r in _REL_KINDS}


def global_id(name: str, file: str | None, static: bool) -> str:
    """The key of a ``Global``: its name, or ``file:name`` for a static one (C names cannot
    hold ':', so the name is what follows the last one)."""
    return f"{file}:{name}" if static and file else name


def node_kind(label: str) -> NodeKind:
    try:
        return NODE_KINDS[label]
    except KeyError:
        raise SchemaError(f"unknown node kind {label!r}; the schema has: {', '.join(sorted(NODE_KINDS))}") from None


def rel_kind(rel_type: str) -> RelKind:
    try:
        return REL_KINDS[rel_type]
    except KeyError:
        raise SchemaError(
            f"unknown relationship kind {rel_type!r}; the schema has: {', '.join(sorted(REL_KINDS))}"
        ) from None


def check_props(owner: str, declared: dict[str, PropType], given: set[str]) -> None:
    unknown = given - set(declared)
    if unknown:
        raise SchemaError(
            f"{owner}: unknown propert{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(sorted(unknown))}; declared: {', '.join(declared)}"
        )


def resolve_pair(rel: RelKind, from_kind: str | None, to_kind: str | None) -> tuple[str, str]:
    """The (from, to) node kinds of a relationship row, inferred when the type has one pair."""
    if from_kind is None or to_kind is None:
        candidates = [
            p for p in rel.pairs if (from_kind is None or p[0] == from_kind) and (to_kind is None or p[1] == to_kind)
        ]
        if len(candidates) != 1:
            raise SchemaError(f"{rel.type}: give from_kind and to_kind; it joins {len(rel.pairs)} pairs of kinds")
        return candidates[0]
    if (from_kind, to_kind) not in rel.pairs:
        raise SchemaError(f"{rel.type} does not join {from_kind} -> {to_kind}")
    return from_kind, to_kind


def embedded_ddl() -> list[str]:
    """CREATE statements for LadybugDB/Kùzu (node tables first, then rel tables)."""
    stmts = []
    for nk in _NODE_KINDS:
        cols = ", ".join(f"{p} {t.value}" for p, t in nk.props.items())
        stmts.append(f"CREATE NODE TABLE IF NOT EXISTS {nk.label}({cols}, PRIMARY KEY ({nk.key}))")
    for rk in _REL_KINDS:
        ends = ", ".join(f"FROM {a} TO {b}" for a, b in rk.pairs)
        cols = "".join(f", {p} {t.value}" for p, t in rk.props.items())
        fwd = "" if rk.backward else " WITH (storage_direction = 'fwd')"
        stmts.append(f"CREATE REL TABLE IF NOT EXISTS {rk.type}({ends}{cols}){fwd}")
    return stmts


def neo4j_ddl() -> list[str]:
    """Uniqueness constraints on every key, plus indexes on common lookups."""
    stmts = [
        f"CREATE CONSTRAINT {nk.label.lower()}_key IF NOT EXISTS FOR (n:{nk.label}) REQUIRE n.{nk.key} IS UNIQUE"
        for nk in _NODE_KINDS
    ]
    for label, prop in (
        ("Actor", "id"),
        ("Object", "id"),
        ("Scene", "id"),
        ("Field", "struct"),
        ("Concept", "domain"),
        ("Example", "family"),
    ):
        stmts.append(f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
    return stmts


def schema_markdown() -> str:
    """The schema as a Markdown table (for the README and `ootkg schema`)."""
    lines = ["| node | key | properties |", "|---|---|---|"]
    for nk in _NODE_KINDS:
        lines.append(f"| `{nk.label}` | `{nk.key}` | {', '.join(p for p in nk.props if p != nk.key)} |")
    lines += ["", "| relationship | joins | properties |", "|---|---|---|"]
    for rk in _REL_KINDS:
        froms = sorted({a for a, _ in rk.pairs})
        tos = sorted({b for _, b in rk.pairs})
        lines.append(f"| `{rk.type}` | {'/'.join(froms)} → {'/'.join(tos)} | {', '.join(rk.props)} |")
    return "\n".join(lines)
