"""Phrasings of every claim kind, written the ways people and models write them: prose,
list items, tables with a header row, ``X = 0x..``, code comments, negations.

Placeholders: {E} the entity, {V} the value (as hex), {D} the value in decimal, {S}/{F} a
struct and its member, {X}/{Y} caller and callee, {R} a profile role, {H} a header, {C} a
source file, {O} an object, {VER} the example's version as a phrase, {RV} a retail version
as a phrase. A template marked negated says the value is *not* {V}: its true case uses a
wrong value, its false case the right one.
"""

from __future__ import annotations

FENCE = "```"


def _c(line: str) -> str:
    return f"The code:\n\n{FENCE}c\n// {line}\nf32 s = Math_SinS(0x4000);\n{FENCE}\n"


# (template, negated)
PHRASINGS: dict[str, list[tuple[str, bool]]] = {
    "actor-id": [
        ("{E} has id {V}.", False), ("The actor id of `{E}` is {V}.", False),
        ("- `{E}` = {V}", False), ("| actor | id |\n|---|---|\n| `{E}` | {V} |", False),
        ("In the actor table, {E} sits at index {V}.", False), ("{E} -> {V}", False),
        ("The id of **{E}** is {D} in decimal.", False), (_c("{E} is {V}"), False),
        ("{E} ({V}) is the actor to spawn.", False), ("{E} is not {V}.", True),
    ],
    "table-id": [
        ("{E} has id {V}.", False), ("The id of `{E}` is {V}.", False), ("- `{E}` = {V}", False),
        ("| name | id |\n|---|---|\n| `{E}` | {V} |", False), ("{E} is {D} (decimal).", False),
        ("{E} -> {V}", False), ("**{E}**: {V}", False), (_c("{E} == {V}"), False),
        ("Its enum, {E}, is {V}.", False), ("{E} isn't {V}.", True),
    ],
    "offset": [
        ("`{F}` is at offset {V} in `{S}`.", False), ("{S}.{F} is at {V}.", False),
        ("The offset of {F} within {S} is {V}.", False), ("offsetof({S}, {F}) == {V}", False),
        ("Layout of `{S}`:\n\n| field | offset |\n|---|---|\n| `{F}` | {V} |", False),
        ("{F} lives at {S} + {V}.", False), ("In {S}, {F} sits at byte {V}.", False),
        ("`{S}.{F}` -> {V}", False), ("{F} is {V} bytes into {S}.", False),
        (_c("{S}.{F} is at offset {V}"), False), ("{S}.{F} is not at offset {V}.", True),
    ],
    "struct-size": [
        ("{S} is {V} bytes.", False), ("sizeof({S}) == {V}", False),
        ("The size of {S} is {V}.", False), ("`{S}` has a size of {V} bytes.", False),
        ("| struct | size |\n|---|---|\n| `{S}` | {V} |", False),
        ("{S} takes up {V} bytes.", False), ("{S} occupies {D} bytes of RAM.", False),
        (_c("sizeof({S}) is {V}"), False), ("{S} (size {V})", False),
        ("{S} is not {V} bytes.", True),
    ],
    "instance-size": [
        ("{E}'s instance size is {V}.", False), ("The instance of {E} is {V} bytes.", False),
        ("{E} allocates {V} bytes for its instance.", False),
        ("| actor | instance size |\n|---|---|\n| {E} | {V} |", False),
        ("Instance size of {E}: {V}", False), ("{E} has an instance size of {V} bytes.", False),
        ("- {E}: {V} bytes per instance", False), (_c("{E} instance size = {V}"), False),
        ("The instance size of {E} is not {V}.", True),
    ],
    "address": [
        ("`{E}` is at {V} {VER}.", False), ("{E} lives at address {V}.", False),
        ("The RAM address of {E} is {V}.", False), ("{E} @ {V}", False),
        ("| symbol | address |\n|---|---|\n| `{E}` | {V} |", False),
        ("{VERC}, {E} is located at {V}.", False), ("Break on {E} ({V}).", False),
        (_c("{E} = {V}"), False), ("{E} is not at {V}.", True),
    ],
    "constant": [
        ("{E} is {V}.", False), ("`{E}` = {V}", False), ("{E} has the value {V}.", False),
        ("| constant | value |\n|---|---|\n| `{E}` | {V} |", False), ("{E} equals {D}.", False),
        ("{E} ({V})", False), ("The value of {E} is {V}.", False), (_c("{E} == {V}"), False),
        ("{E} is defined as {V}.", False), ("{E} is not {V}.", True),
    ],
    "calls": [
        ("{X} calls {Y}.", False), ("{X} already calls {Y}, so you don't need to.", False),
        ("{Y} is called from {X}.", False), ("{Y} is called by `{X}`.", False),
        ("Inside {X}, {Y} is called.", False), ("{X} makes a call to {Y}.", False),
        (_c("{X} calls {Y}"), False), ("`{X}` invokes `{Y}`.", False),
        ("- {X}: also calls {Y}", False), ("{X} never calls {Y}.", True),
    ],
    "profile-slot": [
        ("The {R} function of {E} is {F}.", False), ("{E}'s {R} function is `{F}`.", False),
        ("{F} is the {R} function of {E}.", False), ("{F} is {E}'s {R} callback.", False),
        ("| actor | {R} |\n|---|---|\n| {E} | {F} |", False),
        ("In {E}'s profile, {R} = {F}.", False), ("{E} uses {F} as its {R} function.", False),
        (_c("{R} function of {E}: {F}"), False), ("{F} is not the {R} function of {E}.", True),
    ],
    "declared-in": [
        ("{F} is declared in {H}.", False), ("The prototype of {F} lives in `{H}`.", False),
        ("{H} declares {F}.", False), ("{F} is declared in the header {H}.", False),
        ("| function | header |\n|---|---|\n| `{F}` | `{H}` |", False),
        ("{F}: declared in {H}", False), (_c("{F} is declared in {H}"), False),
        ("You'll find {F}'s prototype in {H}.", False), ("{F} is not declared in {H}.", True),
    ],
    "defined-in": [
        ("{F} is defined in {C}.", False), ("{F} is implemented in `{C}`.", False),
        ("The definition of {F} is in {C}.", False), ("{F} lives in {C}.", False),
        ("| function | file |\n|---|---|\n| `{F}` | `{C}` |", False),
        ("{F} comes from {C}.", False), (_c("{F}: defined in {C}"), False),
        ("You can find the body of {F} in {C}.", False), ("{F} is not defined in {C}.", True),
    ],
    # {E} is debug-only in the true case, in every version in the false one
    "version-debug-only": [
        ("{E} only exists on the debug ROM.", False), ("{E} is debug-only.", False),
        ("{E} is only available in debug builds.", False), ("{E} does not exist in {RV}.", False),
        ("{E} is missing from {RV}.", False),
        ("| function | versions |\n|---|---|\n| `{E}` | debug ROM only |", False),
        (_c("{E} exists only in gc-eu-mq-dbg"), False), ("{E} was removed in {RV}.", False),
    ],
    # {E} exists in every version in the true case, only in the debug one in the false one
    "version-everywhere": [
        ("{E} exists in every version.", False), ("{E} exists in all versions.", False),
        ("{E} is present in {RV}.", False), ("{E} exists in {RV} too.", False),
        ("{E} is available on {RV}.", False), ("| function | in all versions |\n|---|---|\n"
                                              "| `{E}` | yes, in every version |", False),
        (_c("{E} exists in all versions"), False), ("{E} exists on {RV} as well.", False),
    ],
    "object-dep": [
        ("{E} uses {O}.", False), ("{E} loads {O}.", False), ("{E} depends on {O}.", False),
        ("| actor | object |\n|---|---|\n| {E} | {O} |", False), ("{O} is required by {E}.", False),
        ("{E} needs {O} to be loaded.", False), (_c("{E} requires {O}"), False),
        ("The object {E} loads is {O}.", False), ("{E} does not use {O}.", True),
    ],
    "arity": [
        ("{F} takes {N} arguments.", False), ("{F} has {N} parameters.", False),
        ("{F} accepts {N} args.", False), ("| function | arguments |\n|---|---|\n| `{F}` | {N} |",
                                            False),
        ("`{F}` expects {N} arguments.", False), ("{F}() takes {N} parameters.", False),
        (_c("{F} takes {N} args"), False), ("The number of arguments of {F} is {N}.", False),
        ("{F} does not take {N} arguments.", True),
    ],
}

CODES = {
    "actor-id": "wrong-actor-id", "table-id": "wrong-id", "offset": "wrong-offset",
    "struct-size": "wrong-size", "instance-size": "wrong-size", "address": "wrong-address",
    "constant": "wrong-value", "calls": "wrong-call", "profile-slot": "wrong-profile-slot",
    "declared-in": "wrong-declared-in", "defined-in": "wrong-defined-in",
    "version-debug-only": "wrong-version-claim", "version-everywhere": "wrong-version-claim",
    "object-dep": "wrong-object-dependency", "arity": "wrong-arity",
}
