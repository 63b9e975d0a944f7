"""Pull what can be checked out of an example: fenced C code blocks, and the prose around them.

Code blocks keep where they came from (message index, block index, the line in the
message where the code starts) so that an issue can point at the snippet's own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from validate.clex import Lines
from validate.models import Example

# ``` or ~~~ fences; the info string decides whether the block is C.
_FENCE = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$", re.M)
_LOCATION = re.compile(r"[\w./-]+:\d+(?:-\d+)?")
C_LANGS = {"c", "h", "cpp", "c++", "objc", "clang", "cc"}
_C_HINT = re.compile(r"(\b(void|s32|s16|u8|u16|u32|f32|Actor|PlayState)\b[^\n;]*[;{(])|->|#include")


@dataclass
class CodeBlock:
    code: str
    message_index: int | None
    block_index: int
    start_line: int  # line of the message where the code's first line is (1-based)
    lang: str
    location: str | None = None  # "path:first-last" from the fence: a quote of the decomp
    edit: bool = False  # ```c edit path:first-last: a changed version of those lines


@dataclass
class Prose:
    text: str
    message_index: int | None


@lru_cache(maxsize=64)
def _closing(fence: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)


def split_message(content: str, message_index: int | None) -> tuple[list[CodeBlock], list[Prose]]:
    """Split markdown into C code blocks and prose (non-C blocks are dropped from both)."""
    blocks: list[CodeBlock] = []
    prose: list[Prose] = []
    pos = 0
    idx = 0
    lines = Lines(content)
    while True:
        m = _FENCE.search(content, pos)
        if not m:
            break
        fence = m.group("fence")
        close = _closing(fence)
        body_start = m.end() + 1
        c = close.search(content, body_start)
        body_end = c.start() if c else len(content)
        prose.append(Prose(content[pos : m.start()], message_index))
        info = m.group("info").strip().split()
        lang = info[0].lower() if info else ""
        body = content[body_start:body_end] if body_start <= len(content) else ""
        start_line = lines.at(body_start)
        if lang in C_LANGS or (not lang and _C_HINT.search(body)):
            rest = info[1:]
            edit = bool(rest) and rest[0] == "edit"
            loc = rest[1] if edit and len(rest) > 1 else (rest[0] if rest and not edit else None)
            if loc is not None and not _LOCATION.fullmatch(loc):
                loc = None
            blocks.append(
                CodeBlock(
                    body.rstrip("\n") + "\n", message_index, idx, start_line, lang or "c", loc, edit and loc is not None
                )
            )
            idx += 1
        pos = c.end() if c else len(content)
    prose.append(Prose(content[pos:], message_index))
    return blocks, [p for p in prose if p.text.strip()]


def extract(example: Example) -> tuple[list[CodeBlock], list[Prose]]:
    """Code blocks and prose of an example's assistant messages (what the example claims).

    User and system messages are the question: their code may be deliberately wrong
    (a debugging task), so only the assistant's answer is held to the facts.
    """
    blocks: list[CodeBlock] = []
    prose: list[Prose] = []
    for i, msg in enumerate(example.messages):
        if msg.role != "assistant":
            continue
        b, p = split_message(msg.content, i)
        blocks += b
        prose += p
    return blocks, prose


def bare_code(code: str) -> CodeBlock:
    return CodeBlock(code if code.endswith("\n") else code + "\n", None, 0, 1, "c")


_CALL_OR_MEMBER = re.compile(r"\w\(|\w\.\w")
_SPAN = re.compile(r"(?<!`)`([^`\n]{3,200})`(?!`)")


_PATH_SPAN = re.compile(
    r"[\w.-]*/[\w./-]*\.(?:c|h|inc|s|xml|yaml|mk|ld)(?::\d+(?:-\d+)?)?|"
    r"[\w-]+\.(?:c|h|inc)(?::\d+(?:-\d+)?)"
)


def inline_code(text: str) -> list[tuple[str, int]]:
    """Inline `code` spans of prose that look like expressions (calls or member access)."""
    out = []
    lines = None
    for m in _SPAN.finditer(text):
        span = m.group(1)
        if _PATH_SPAN.fullmatch(span.strip()):
            continue  # a file (and line) of the decomp, `src/libultra/io/vi.c:6`: no code
        if "->" in span or _CALL_OR_MEMBER.search(span):
            lines = lines or Lines(text)
            out.append((span, lines.at(m.start())))
    return out
