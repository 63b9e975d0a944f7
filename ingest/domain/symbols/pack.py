"""The public symbol lists shipped with ootkg, as data: names and RAM addresses per version.

``ingest/data/symbol_lists.txt.xz`` holds, for each list, where it was taken from (repository,
commit, date, path) and its entries; nothing else. It is what a plain ``ootkg ingest`` uses
when neither ``--symbols DIR`` nor the checkout's own git history has a version's list.

Format (UTF-8 text, xz-compressed; each ``@list`` header is one line)::

    # comment lines
    @list version=gc-us list=functions source=disasm repo=zeldaret/oot commit=<sha> \
          date=2024-08-07 path=tools/disasm/gc-us/functions.txt rel=gc-us/functions.txt
    <name>\\t<address - previous entry's address, hex>\\t<the line's comment>[\\t<lines skipped>]

Line numbers are kept (as the count of non-entry lines skipped before each entry), so a
report can cite ``gc-us/functions.txt:1234`` as the list itself would.

``python -m ingest.domain.symbols.pack --export DIR`` writes them out as a ``--symbols`` directory.

Build it (``--git``: a full clone of zeldaret/oot; ``--z64hdr DIR REPO COMMIT DATE``: a
z64hdr symbol folder such as ``z64hdr-oot_u10``)::

    python -m ingest.domain.symbols.pack --git /tmp/oot-full \\
        --z64hdr ../shared/oot-data/symbols/z64hdr-oot_u10 z64tools/z64hdr c2a7e34 2023-11-27 \\
        --z64hdr ../shared/oot-data/symbols/z64hdr-oot_mq_debug z64tools/z64hdr c2a7e34 2023-11-27
"""

from __future__ import annotations

import argparse
import lzma
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ingest.domain.symbols.lists import (
    Z64HDR_ROMS,
    ListsReport,
    RawSymbol,
    read_disasm_text,
    read_z64hdr_text,
)

DATA = "data/symbol_lists.txt.xz"
_ENTRY = re.compile(
    r"^[ \t]*(/\*)?[ \t]*([A-Za-z_.$][\w.$]*)[ \t]*=[ \t]*0[xX]([0-9A-Fa-f]+)"
    r"[ \t]*;?[ \t]*(?://[ \t]*(.*?)|/\*.*\*/)?[ \t]*$"
)


def _encode(header: dict[str, str], text: str) -> list[str]:
    out = ["@list " + " ".join(f"{k}={v}" for k, v in header.items())]
    prev, last_line = 0, 0
    for n, line in enumerate(text.splitlines(), 1):
        m = _ENTRY.match(line)
        if m is None or m.group(1):  # not an entry, or a commented-out one (placeholder)
            continue
        addr = int(m.group(3), 16)
        skipped = n - last_line - 1
        last_line = n
        comment = (m.group(4) or "").strip().replace("\t", " ")
        out.append(f"{m.group(2)}\t{addr - prev:x}\t{comment}" + (f"\t{skipped}" if skipped else ""))
        prev = addr
    return out


def _decode(block: list[str]) -> tuple[dict[str, str], str]:
    """A list block back to the list's text (each entry on its own line number)."""
    header = dict(kv.split("=", 1) for kv in block[0][len("@list ") :].split())
    lines: list[str] = []
    addr = 0
    for row in block[1:]:
        parts = row.split("\t")
        addr += int(parts[1], 16)
        if len(parts) > 3:
            lines.extend([""] * int(parts[3]))
        comment = f" // {parts[2]}" if parts[2] else ""
        lines.append(f"{parts[0]} = 0x{addr:08X};{comment}")
    return header, "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _blocks() -> tuple[tuple[dict[str, str], str], ...]:
    try:
        raw = resources.files("ingest").joinpath(DATA).read_bytes()
    except (FileNotFoundError, OSError):
        return ()
    blocks: list[list[str]] = []
    for line in lzma.decompress(raw).decode().splitlines():
        if line.startswith("#") or not line:
            continue
        if line.startswith("@list "):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    return tuple(_decode(b) for b in blocks)


def packed_index() -> list[dict[str, str]]:
    """The shipped lists' headers (version, list, source, repo, commit, date, path)."""
    return [h for h, _ in _blocks()]


def packed_lists(
    root: Path | None, versions: list[str], cache_dir: Path | None, report: ListsReport
) -> dict[tuple[str, str], list[RawSymbol]]:
    out: dict[tuple[str, str], list[RawSymbol]] = {}
    for h, text in _blocks():
        if h["version"] not in versions:
            continue
        where = f"{h['repo']}@{h['commit'][:10]} ({h['date']}):{h['path']}"
        rel = h["rel"]
        if h["source"] == "z64hdr":
            syms = read_z64hdr_text(text, rel, h["version"], report)
            report.placeholders_skipped += int(h.get("placeholders", 0))
        else:
            syms = read_disasm_text(
                text, rel, h["version"], "Function" if h["list"] == "functions" else "Global", report
            )
        for s in syms:
            s.provenance = where
        report.lists[rel] = len(syms)
        report.provenance[rel] = where
        out.setdefault((h["version"], h["list"]), []).extend(syms)
    return out


def export_lists(directory: Path) -> list[Path]:
    """Write the shipped lists out in their own layout (``<version>/functions.txt``,
    ``z64hdr-<rom>/sym_*.ld``): what ``--symbols DIR`` reads."""
    out = []
    for h, text in _blocks():
        path = directory / h["rel"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        out.append(path)
    return out


def build(git: Path | None, z64hdr: list[tuple[Path, str, str, str]], out: Path) -> dict:
    from ingest.checkout.checkout import Checkout
    from ingest.domain.symbols.history import read_history

    lines = [
        "# ootkg: public per-version symbol lists (names and RAM addresses), as data.",
        "# Each @list names the repository, commit and path it was taken from.",
    ]
    made: dict[str, int] = {}
    if git is not None:
        ids = [v.id for v in Checkout.open(git).declared_versions()]
        got = read_history(git.resolve(), ids)
        if not got:
            raise SystemExit(f"{git}: no symbol lists in its history (a full clone?)")
        for item in got:
            rel = f"{item['version']}/{item['list']}"
            block = _encode(
                {
                    "version": item["version"],
                    "list": item["list"][:-4],
                    "source": "disasm",
                    "repo": "zeldaret/oot",
                    "commit": item["commit"],
                    "date": item["date"],
                    "path": item["path"],
                    "rel": rel,
                },
                item["text"],
            )
            lines += block
            made[rel] = len(block) - 1
    for folder, repo, commit, date in z64hdr:
        rom = folder.name.removeprefix("z64hdr-")
        version = Z64HDR_ROMS[rom]
        for f in sorted(folder.glob("*.ld")):
            text = f.read_text(errors="replace")
            placeholders = sum(1 for ln in text.splitlines() if ln.strip().startswith("/*") and "=" in ln)
            rel = f"{folder.name}/{f.name}"
            block = _encode(
                {
                    "version": version,
                    "list": "z64hdr",
                    "source": "z64hdr",
                    "repo": repo,
                    "commit": commit,
                    "date": date,
                    "path": f"{rom}/{f.name}",
                    "rel": rel,
                    "placeholders": str(placeholders),
                },
                text,
            )
            lines += block
            made[rel] = len(block) - 1
    data = lzma.compress(("\n".join(lines) + "\n").encode(), preset=9 | lzma.PRESET_EXTREME)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return {"bytes": len(data), "lists": made}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m ingest.domain.symbols.pack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--git", type=Path, help="a full clone of zeldaret/oot")
    ap.add_argument("--z64hdr", nargs=4, action="append", default=[], metavar=("DIR", "REPO", "COMMIT", "DATE"))
    ap.add_argument("-o", "--out", type=Path, default=Path(__file__).resolve().parents[2] / DATA)
    ap.add_argument(
        "--export", type=Path, metavar="DIR", help="write the shipped lists out as a --symbols directory instead"
    )
    args = ap.parse_args(argv)
    if args.export is not None:
        for p in export_lists(args.export):
            sys.stdout.write(f"{p}\n")
        return
    got = build(args.git, [(Path(d), r, c, t) for d, r, c, t in args.z64hdr], args.out)
    sys.stdout.write(f"{args.out}: {got['bytes']} bytes\n")
    for rel, n in got["lists"].items():
        sys.stdout.write(f"  {rel}: {n} entries\n")


if __name__ == "__main__":
    main()
