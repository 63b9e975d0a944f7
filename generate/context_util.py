"""Small helpers shared by the context builders."""

from __future__ import annotations

import json
import re
from typing import Any

# the functions that load a soundfont (the audio contexts and code sections look for their calls)
FONT_LOADERS = ("AudioLoad_SyncLoadSeqFonts", "AudioLoad_SyncLoadFont", "Audio_GetInstrumentInner")


def c_spelling(signature: str | None) -> str | None:
    """``void f(Actor * actor)`` (libclang's spelling) -> ``void f(Actor* actor)`` (the decomp's)."""
    return _STAR.sub("*", signature) if signature else signature


_STAR = re.compile(r"\s+\*")


def plural(n: int, noun: str) -> str:
    """``1 room``, ``3 rooms`` (never ``room(s)``: a checker reads ``word(`` as a call)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def hx(value: int | None) -> str:
    return "?" if value is None else f"0x{value:X}"


def tokens_of(text: str) -> int:
    """A cheap token estimate (about 3.5 characters per token for code-heavy English)."""
    return len(text) * 2 // 7 + 1


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _where(file: str | None, line: int | None) -> str:
    if not file:
        return ""
    return f"{file}:{line}" if line else file


def _params(raw: Any) -> list[dict[str, str]]:
    if not raw:
        return []
    if isinstance(raw, list):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def _struct_params(params: list[dict[str, str]]) -> list[str]:
    """Struct names a function takes by pointer (``Actor* actor`` -> ``Actor``), in order."""
    out: list[str] = []
    for p in params:
        t = (p.get("type") or "").replace("const ", "").replace("struct ", "").strip()
        if t.endswith("*"):
            base = t.rstrip("*").strip()
            if base and base[0].isupper() and base not in out:
                out.append(base)
    return out[:2]


def versions_text(name: str, present: list[str], ingested: list[str], built: list[str]) -> str:
    """Existence across versions, counted against what the decomp builds: ``X is in both
    ingested versions (a, b) of the 16 the decomp builds; the graph has no facts about the
    other 14``."""
    k, n, m = len(present), len(ingested), len(built)
    if n and k == n:
        which = (
            "both ingested versions"
            if n == 2
            else ("the one ingested version" if n == 1 else f"all {n} ingested versions")
        )
    else:
        which = f"{k} of the {n} ingested versions"
    text = f"{name} is in {which} ({', '.join(present)})"
    if m > n:
        text += f" of the {m} versions the decomp builds; the graph has no facts about the other {m - n}"
    return text + "."
