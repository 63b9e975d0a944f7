"""Audio data the checkout holds: soundfonts, sample banks, and the fonts each sequence uses.

- ``assets/xml/audio/soundfonts/*.xml``: one ``<SoundFont Name Index>`` per font, with its
  ``<Instruments>`` (each a ``ProgramNumber``), ``<Drums>``, ``<Effects>`` and
  ``<Envelopes>``; a ``Soundfont`` node each (key: its name, ``Soundfont_7``).
- ``assets/xml/audio/samplebanks/*.xml``: ``<SampleBank Name Index>`` with ``<Sample>``s
  (``SampleRate``, ``BaseNote``); a ``SampleBank`` node each.
- ``assets/audio/sequences/*.seq``: a sequence's source names its fonts with
  ``#include "Soundfont_N.h"`` after ``.startseq Sequence_N``; a ``USES_FONT`` edge
  (``position``: the include's order) from the ``Sequence`` the sequence table names
  ``Sequence_N`` to the font. Only the sequences whose source is in the checkout have one
  (the others are extracted from a ROM at build time).

These XMLs are the decomp's extraction descriptions: they are the same for every version
it builds, so the nodes have no ``IN_VERSION`` edges (they hold for every version). What
they do not say (instrument names beyond ``INST_n``, which sample bank a font reads) is
left out, not guessed.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from kg.facts import Facts

log = logging.getLogger(__name__)

_STARTSEQ = re.compile(r"^\s*\.startseq\s+(\w+)", re.M)
_FONT_INCLUDE = re.compile(r'^\s*#include\s+"(Soundfont_\d+)\.h"', re.M)


def _int(text: str | None) -> int | None:
    try:
        return int(text, 0) if text is not None else None
    except ValueError:
        return None


def soundfont_rows(root: Path) -> list[dict[str, Any]]:
    rows = []
    base = root / "assets" / "xml" / "audio" / "soundfonts"
    for path in sorted(base.glob("*.xml")) if base.is_dir() else []:
        try:
            font = ET.parse(path).getroot()
        except ET.ParseError as e:
            log.warning("%s: %s; skipped", path, e)
            continue
        if font.tag != "SoundFont" or not font.get("Name"):
            continue
        programs = [_int(i.get("ProgramNumber")) for i in font.iter("Instrument")]
        rows.append(
            {
                "name": font.get("Name"),
                "number": _int(font.get("Index")),
                "file": path.relative_to(root).as_posix(),
                "instruments": len(programs),
                "programs": json.dumps(sorted(p for p in programs if p is not None)),
                "drums": sum(1 for _ in font.iter("Drum")),
                "effects": sum(1 for _ in font.iter("Effect")),
                "envelopes": sum(1 for _ in font.iter("Envelope")),
            }
        )
    return rows


def samplebank_rows(root: Path) -> list[dict[str, Any]]:
    rows = []
    base = root / "assets" / "xml" / "audio" / "samplebanks"
    for path in sorted(base.glob("*.xml")) if base.is_dir() else []:
        try:
            bank = ET.parse(path).getroot()
        except ET.ParseError as e:
            log.warning("%s: %s; skipped", path, e)
            continue
        if bank.tag != "SampleBank" or not bank.get("Name"):
            continue
        samples = list(bank.iter("Sample"))
        rates = sorted({r for r in (_int(s.get("SampleRate")) for s in samples) if r})
        rows.append(
            {
                "name": bank.get("Name"),
                "number": _int(bank.get("Index")),
                "file": path.relative_to(root).as_posix(),
                "samples": len(samples),
                "rates": json.dumps(rates),
            }
        )
    return rows


def sequence_fonts(root: Path) -> dict[str, list[str]]:
    """Sequence name (``Sequence_N``) -> the fonts its source includes, in order."""
    out: dict[str, list[str]] = {}
    base = root / "assets" / "audio" / "sequences"
    for path in sorted(base.glob("*.seq")) if base.is_dir() else []:
        text = path.read_text(errors="replace")
        start = _STARTSEQ.search(text)
        fonts = _FONT_INCLUDE.findall(text)
        if start and fonts:
            out[start.group(1)] = list(dict.fromkeys(fonts))
    return out


def audio_source(ctx: Any) -> Facts:
    root = Path(ctx.checkout.root)
    f = Facts()
    fonts = soundfont_rows(root)
    for row in fonts:
        f.node("Soundfont", **row)
    banks = samplebank_rows(root)
    for row in banks:
        f.node("SampleBank", **row)
    # Sequence nodes come from the sequence table (the tables source): name -> enum
    by_name: dict[str, str] = {}
    earlier = getattr(ctx, "facts", None)
    for s in earlier.node_rows("Sequence") if earlier is not None else []:
        if s.get("name") and s.get("enum"):
            by_name.setdefault(s["name"], s["enum"])
    known = {r["name"] for r in fonts}
    edges = 0
    for seq, used in sequence_fonts(root).items():
        enum = by_name.get(seq)
        if enum is None:
            continue
        for pos, font in enumerate(used):
            if font in known:
                f.rel("USES_FONT", enum, font, from_kind="Sequence", to_kind="Soundfont", position=pos)
                edges += 1
    if hasattr(ctx, "notes"):
        ctx.notes["audio"] = f"{len(fonts)} soundfonts, {len(banks)} sample banks, {edges} sequence-font links"
    return f
