"""The per-version files of ``baseroms/<version>/``: ``segments.csv`` (segments in dmadata
order and the VRAM start of the code segments) and ``config.yml`` (named variables and
incbins with their RAM addresses)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ingest.domain.symbols.lists import RawSymbol

OVERLAY_SPACE = 0x80800000  # overlays are linked from here; static code and data below


@dataclass
class SegmentRow:
    name: str
    version: str
    index: int
    vram: int | None
    size: int | None = None


def read_segments_csv(path: Path, version: str, problems: list[str]) -> list[SegmentRow]:
    rows: list[SegmentRow] = []
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header or header[0].strip() != "Name":
            problems.append(f"{path}: expected a 'Name,VRAM start' header, got {header!r}")
            return []
        for n, rec in enumerate(reader, 2):
            if not rec or not rec[0].strip():
                continue
            raw = rec[1].strip() if len(rec) > 1 else ""
            vram = None
            if raw:
                try:
                    vram = int(raw, 16)
                except ValueError:
                    problems.append(f"{path}:{n}: bad VRAM {raw!r} for {rec[0]}; kept without one")
            rows.append(SegmentRow(rec[0].strip(), version, len(rows), vram))
    # Size of a code segment: up to the next one in the same address space (static code
    # vs overlays); unknown for the last of each.
    placed = sorted((r for r in rows if r.vram is not None), key=lambda r: r.vram or 0)
    for a, b in zip(placed, placed[1:], strict=False):
        if b.vram and a.vram is not None and (a.vram < OVERLAY_SPACE) == (b.vram < OVERLAY_SPACE) and b.vram > a.vram:
            a.size = b.vram - a.vram
    return rows


def read_config_yml(path: Path, version: str, problems: list[str]) -> list[RawSymbol]:
    import yaml

    text = path.read_text(errors="replace")
    # Only the keys before the long `assets:` list are needed here.
    head = text.split("\nassets:", 1)[0]
    try:
        data = yaml.load(head, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        if not isinstance(data, dict):
            raise ValueError("not a mapping")
    except Exception as e:  # noqa: BLE001 - any YAML error is reported, the rest kept
        problems.append(f"{path}: unreadable YAML: {e}")
        return []
    rel = f"baseroms/{version}/config.yml"
    out: list[RawSymbol] = []
    for name, addr in (data.get("variables") or {}).items():
        if isinstance(addr, int):
            out.append(
                RawSymbol(str(name), addr & 0xFFFFFFFF, version, "config.yml", "Global", None, None, f"{rel}:variables")
            )
        else:
            problems.append(f"{rel}: variable {name}: bad address {addr!r}")
    for inc in data.get("incbins") or []:
        try:
            out.append(
                RawSymbol(
                    f"{inc['name']}Start",
                    int(inc["vram"]) & 0xFFFFFFFF,
                    version,
                    "config.yml",
                    "Global",
                    int(inc["size"]),
                    None,
                    f"{rel}:incbins:{inc['segment']}",
                )
            )
        except (KeyError, TypeError, ValueError):
            problems.append(f"{rel}: unreadable incbin {inc!r}")
    return out
