"""Facts about audio data for contexts: soundfonts (from the audio source's extraction XMLs)
and the fonts a sequence's source includes, with the engine functions that load them.

A mixin of :class:`generate.context.ContextBuilder`; ``self.q`` runs the named queries.
Graphs ingested before the audio source have no Soundfont table: these contexts are empty
there (``Queries.optional``), never an error.
"""

from __future__ import annotations

import json
from typing import Any

from generate.context_mixin import FactMixin
from generate.context_util import FONT_LOADERS, hx, plural
from generate.models import Fact

# The engine code that turns a sequence's font list into loaded fonts and an instrument.


def _programs(raw: Any) -> list[int]:
    try:
        return [int(p) for p in json.loads(raw or "[]")]
    except (TypeError, ValueError):
        return []


def gaps(programs: list[int]) -> list[int]:
    """Program numbers below the highest one that the font does not define."""
    have = set(programs)
    return [p for p in range(max(programs) + 1) if p not in have] if programs else []


def _gap_text(missing: list[int]) -> str:
    if not missing:
        return ""
    if len(missing) == 1:
        return f"; program number {missing[0]} has no instrument"
    return f"; program numbers {', '.join(map(str, missing))} have no instrument"


class AudioFacts(FactMixin):
    def _font_fact(self, r: dict[str, Any], priority: int = 0) -> Fact:
        progs = _programs(r.get("programs"))
        missing = gaps(progs)
        text = (
            f"{r['name']} (soundfont {r.get('number')}) defines "
            f"{plural(r.get('instruments') or 0, 'instrument')}"
            f"{' with program numbers ' + ', '.join(map(str, progs)) if progs else ''}, "
            f"{plural(r.get('drums') or 0, 'drum')}, "
            f"{plural(r.get('effects') or 0, 'sound effect')} and "
            f"{plural(r.get('envelopes') or 0, 'envelope')}"
            f"{_gap_text(missing)}."
        )
        return Fact(
            id=f"soundfont:{r['name']}",
            kind="Soundfont",
            entity=r["name"],
            source=r.get("file") or "",
            priority=priority,
            text=text,
            data={
                "name": r["name"],
                "number": r.get("number"),
                "programs": progs,
                "gaps": missing,
                "instruments": r.get("instruments"),
                "drums": r.get("drums"),
                "effects": r.get("effects"),
                "envelopes": r.get("envelopes"),
                "file": r.get("file"),
            },
        )

    def _loader_facts(self, version: str, priority: int) -> list[Fact]:
        out: list[Fact] = []
        for name in FONT_LOADERS:
            out += self.function_facts(name, version, priority=priority, deep=False)[:1]
        return out

    def _facts_soundfont(self, name: str, version: str) -> list[Fact]:
        rows = self.q.optional("context_soundfont", name=name)
        if not rows or rows[0].get("name") is None:
            return []
        r = rows[0]
        facts = [self._font_fact(r)]
        for seq in sorted(s for s in r.get("sequences") or [] if s):
            facts.append(
                Fact(
                    id=f"fontuser:{name}:{seq}",
                    kind="Sequence",
                    entity=seq,
                    source="assets/audio/sequences",
                    priority=5,
                    text=f"The source of sequence {seq} includes {name}.",
                    data={"sequence": seq, "font": name},
                )
            )
        return facts + self._loader_facts(version, 10)

    def sequence_font_facts(self, enum: str, version: str) -> list[Fact]:
        rows = self.q.optional("context_sequence_fonts", enum=enum)
        facts = []
        for r in rows:
            facts.append(
                Fact(
                    id=f"usesfont:{enum}:{r['font']}",
                    kind="Soundfont",
                    entity=r["font"],
                    source="assets/audio/sequences",
                    priority=3,
                    text=f"{enum}'s source includes {r['font']} (soundfont {hx(r.get('number'))}, "
                    f"font {r.get('position', 0) + 1} of {len(rows)}).",
                    data={"sequence": enum, "font": r["font"], "position": r.get("position"), "count": len(rows)},
                )
            )
            facts.append(self._font_fact({"name": r["font"], **r}, priority=6))
        return facts + (self._loader_facts(version, 12) if rows else [])
