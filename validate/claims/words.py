"""The words that give a number its meaning in a clause, and the ones that make it no claim.

A number is a claim about an entity when the words between them are claim-like: a cue
(``id``, ``offset``, ``size``, ``address``...), a copula or filler (``is``, ``=``, ``has``,
``the``...). Words of instruction or hypothesis (``set``, ``spawn``, ``would``, ``e.g.``) or
a comparison (``about``, ``more than``) make it no claim of an exact value.
"""

from __future__ import annotations

ID, VALUE, OFFSET, SIZE, ADDR, ARGS, COUNT = "id", "value", "offset", "size", "address", "args", \
    "count"

CUE_BEFORE: dict[str, str] = {
    "id": ID, "ids": ID, "index": ID, "number": ID, "no": ID, "num": ID, "identifier": ID,
    "#": ID, "enum": ID, "entry": ID,
    "value": VALUE, "valued": VALUE, "defined": VALUE, "expands": VALUE, "evaluates": VALUE,
    "offset": OFFSET, "offsets": OFFSET, "offsetof": OFFSET, "displacement": OFFSET,
    "byte": OFFSET, "+": OFFSET,
    "size": SIZE, "sizes": SIZE, "sizeof": SIZE, "occupies": SIZE, "allocates": SIZE,
    "address": ADDR, "addr": ADDR, "ram": ADDR, "vram": ADDR, "@": ADDR,
    "arguments": ARGS, "argument": ARGS, "args": ARGS, "parameters": ARGS,
}
# a unit after the number
CUE_AFTER: dict[str, str] = {
    "bytes": SIZE, "byte": SIZE, "b": SIZE,
    "arguments": ARGS, "argument": ARGS, "args": ARGS, "arg": ARGS, "parameters": ARGS,
    "parameter": ARGS,
    "entries": COUNT, "elements": COUNT, "members": COUNT, "fields": COUNT, "items": COUNT,
}
# "0x24 bytes into Actor", "byte offset": a size word that means an offset
OFFSET_AFTER_BYTES = {"into", "from", "offset", "past", "after"}

FILLER = {
    "is", "are", "was", "be", "been", "being", "equals", "equal", "equaling", "has", "have",
    "had", "the", "a", "an", "its", "it", "it's", "of", "in", "at", "on", "for", "as", "to",
    "with", "s", "t", "always", "exactly", "still", "currently", "also", "just", "actually",
    "now", "then", "which", "that", "this", "located", "lives", "sits", "resides", "stored",
    "found", "placed", "starts", "begins", "gets", "uses", "holds", "contains", "takes",
    "accepts", "expects", "maps", "corresponds", "refers", "resolves", "amounts", "hex",
    "decimal", "dec", "hexadecimal", "field", "member", "struct", "structure",
    "variable", "global", "function", "symbol", "constant", "macro", "define", "enum", "actor",
    "object", "scene", "sfx", "sound", "effect", "sequence", "bgm", "entrance", "instance",
    "overall", "whole", "in-memory", "memory", "ram", "given", "assigned", "numbered",
    "named", "called", "known", "long", "large", "big", "wide", "sized", "exists", "starting",
    "both", "and", "so", "here", "there", "reads", "read", "shows", "gives", "says", "officially",
    "table", "profile", "header", "file", "position", "positioned", "lies", "sitting",
    "living", "byte", "bytes", "point", "points", "pointer", "lands", "falls", "we",
    "you", "see", "note", "remember", "keep", "mind", "per", "decomp", "game", "version",
    "versions", "build", "builds", "rom", "by", "default", "debug", "retail", "only",
    "probably", "likely", "definitely", "certainly", "surely", "presumably", "apparently",
    "typically", "usually", "normally", "generally", "believe", "think", "i",
}
NEGATION = {"not", "never", "isn", "aren", "wasn", "doesn", "don", "no", "cannot", "isnt",
            "arent", "doesnt", "dont", "nor", "neither"}
# a hedge or comparison: not a claim of an exact value
APPROX = {"about", "around", "roughly", "approximately", "approx", "~", "nearly", "almost",
          "over", "under", "least", "most", "more", "less", "than", "between", "within",
          "upto", "below", "above", "exceeds", "exceed", ">", "first", "initial",
          "remaining", "extra", "additional", "another",
          "<", ">=", "<=", "somewhere", "multiple", "aligned", "alignment", "align", "padding",
          "padded"}
# instruction, hypothesis, arithmetic, or a value of something else
BLOCK = {
    "set", "sets", "setting", "change", "changes", "changing", "changed", "assign", "assigns",
    "pass", "passes", "passing", "passed", "spawn", "spawns", "spawning", "spawned", "param",
    "params", "would", "were", "could", "might", "should", "if", "suppose", "e.g", "eg",
    "example", "like", "plus", "minus", "times", "multiplied", "divided", "add", "adds",
    "subtract", "increase", "decrease", "increment", "decrement", "shift", "shifted",
    "instead", "replace", "replaced", "write", "writes", "writing", "store", "stores", "return",
    "returns", "returned", "frames", "frame", "seconds", "timer", "speed", "scale", "units",
    "radius", "height", "distance", "angle", "rotation", "yaw", "pitch", "roll", "x", "y", "z",
    "count", "counter", "health", "damage", "bit", "bits", "mask", "flag", "flags", "room",
    "layer", "switch", "chest", "text", "message", "item", "get", "drop", "drops", "rupees",
    "limit", "max", "maximum", "min", "minimum", "capacity", "after", "before", "later",
    "earlier", "since", "until", "difference", "differs", "shrinks", "grows", "moved", "moves",
    "shifts", "slot", "slots", "variant", "type", "category", "priority", "alloc", "allocation",
    "color", "colour", "alpha", "sum", "total", "length", "copy", "copies", "loop", "loops",
    "want", "wants", "need", "needs", "try", "tries", "make", "makes", "use", "using", "give",
    "check", "checks", "compare", "compares", "test", "tests", "wait", "waits", "call", "calls",
    "will", "depending", "depends", "whether", "unless", "when", "once", "while", "assume",
    "assuming", "imagine", "hypothetically", "say", "let", "lets", "pretend", "or",
    "becomes", "become", "becoming", "grow", "growing", "shrink", "shrinking", "goes",
}
# nouns of a quantity that is not an id, offset, size or address ("its flags are 0x10",
# "20 frames")
OTHER_QUANTITY = {
    "flags", "flag", "params", "param", "frames", "frame", "timer", "speed", "scale", "health",
    "damage", "counter", "radius", "height", "distance", "angle", "rotation", "yaw", "pitch",
    "roll", "seconds", "units", "bits", "bit", "mask", "room", "layer", "switch", "text",
    "message", "rupees", "color", "colour", "alpha", "priority", "category", "variant", "limit",
    "max", "maximum", "min", "minimum", "capacity", "total", "sum", "difference", "times",
    "points", "hp", "velocity", "gravity", "ticks", "percent", "degrees", "hearts",
    "padding", "pad", "gap", "gaps", "all", "line", "lines", "column", "call", "calls",
    "sites", "site", "difficulty", "level", "levels", "step", "steps",
}
