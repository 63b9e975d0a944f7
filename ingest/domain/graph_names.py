"""What the C facts say exists, for the address sources: names, the versions they exist in,
the segment of their file, the sizes their types give, and each version's defined functions
in link order (for matching renamed list names, ``ingest.domain.symbols.renames``).

Interface: ``GraphNames.from_facts(c_facts)`` (None without C facts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kg.facts import RelTable


@dataclass
class GraphNames:
    """What the C facts say exists: names, the versions they exist in, their segment.
    Globals are held by key (``kg.schema.global_id``): a static's name may be several
    files' variable, told apart by the segment its address lies in."""

    functions: dict[str, set[str] | None] = field(default_factory=dict)
    globals: dict[str, set[str] | None] = field(default_factory=dict)  # key -> versions
    global_keys: dict[str, list[str]] = field(default_factory=dict)  # name -> keys
    segment_of: dict[str, str] = field(default_factory=dict)  # function / global key -> segment
    global_type: dict[str, str] = field(default_factory=dict)  # key -> type
    # struct/typedef name -> {version or "": size}
    type_size: dict[str, dict[str, int]] = field(default_factory=dict)
    # the C facts' IN_VERSION table: each version's defined functions, read when asked for
    version_table: Any = None
    open_ended: set[str] = field(default_factory=set)  # types whose last member is an array
    aliases: set[str] = field(default_factory=set)  # global keys defined where another is
    # names declared only for their address (kg.schema LinkerSymbol): matched as globals,
    # located on their own kind
    linker: set[str] = field(default_factory=set)

    @classmethod
    def from_facts(cls, facts: Any) -> GraphNames | None:
        if facts is None:
            return None
        g = cls()
        files = facts.nodes.get("File", {})
        g._names(facts, files)
        in_version = facts.rels.get("IN_VERSION") or RelTable("IN_VERSION")
        for kind, target in (("Function", g.functions), ("Global", g.globals), ("LinkerSymbol", g.globals)):
            for f, t, _, _ in in_version.pair_rows(kind, "Version"):
                if f in target:
                    vs = target[f]
                    target[f] = (vs or set()) | {t}
        g.version_table = in_version
        g._layouts(facts, in_version)
        defined_in = facts.rels.get("DEFINED_IN") or RelTable("DEFINED_IN")
        for f, t, _, _ in defined_in.pair_rows("Function", "File"):
            seg = (files.get(t) or {}).get("segment")
            if seg:
                g.segment_of[f] = seg
        return g

    def _names(self, facts: Any, files: dict[str, dict]) -> None:
        """Functions, globals (by name, with their keys and segments) and linker symbols;
        globals defined at one site under several names are aliases."""
        for kind, target in (("Function", self.functions), ("Global", self.globals)):
            for name in facts.nodes.get(kind, {}):
                target[name] = None
        for name in facts.nodes.get("LinkerSymbol", {}):
            self.linker.add(name)
            self.globals[name] = None
            self.global_keys.setdefault(name, []).append(name)
        for key, row in facts.nodes.get("Global", {}).items():
            self.global_keys.setdefault(row.get("name") or key, []).append(key)
            seg = (files.get(row.get("file")) or {}).get("segment")
            if seg:
                self.segment_of[key] = seg
        sites: dict[tuple[str, int], list[str]] = {}
        for key, row in facts.nodes.get("Global", {}).items():
            if row.get("defined") and row.get("file") and row.get("line"):
                sites.setdefault((row["file"], row["line"]), []).append(key)
        self.aliases = {k for keys in sites.values() if len(keys) > 1 for k in keys}

    def _layouts(self, facts: Any, in_version: RelTable) -> None:
        """What the types say of sizes: structs whose last field is an array (open-ended),
        each global's type, each struct's size (per version) and a typedef's of a struct."""
        last: dict[str, tuple[int, str]] = {}
        for row in facts.nodes.get("Field", {}).values():
            pos = row.get("position") or 0
            if row.get("struct") and pos >= last.get(row["struct"], (-1, ""))[0]:
                last[row["struct"]] = (pos, row.get("type") or "")
        self.open_ended = {name for name, (_p, t) in last.items() if t.endswith("]")}
        for name, row in facts.nodes.get("Global", {}).items():
            if row.get("type"):
                self.global_type[name] = row["type"]
        for name, row in facts.nodes.get("Struct", {}).items():
            if row.get("size"):
                self.type_size.setdefault(name, {})[""] = row["size"]
        size_col = in_version.col("size")
        for f, t, _, vals in in_version.pair_rows("Struct", "Version"):
            if vals[size_col]:
                self.type_size.setdefault(f, {})[t] = vals[size_col]
        for name, row in facts.nodes.get("Typedef", {}).items():
            under = _plain_type(row.get("underlying") or "")
            if under in self.type_size and name not in self.type_size:
                self.type_size[name] = self.type_size[under]

    def global_size(self, name: str, version: str) -> int | None:
        """The size of a global whose type is a struct the graph knows, in that version; None
        where the type does not bound the object: a struct ending in an array (``entries[1]``,
        sized by what follows it) or a name that another variable's definition gives
        (``#pragma weak gSequenceTable = sSequenceTableHeader``: the table's header, its
        entries after it)."""
        plain = _plain_type(self.global_type.get(name, ""))
        sizes = self.type_size.get(plain)
        if not sizes or name in self.aliases or plain in self.open_ended:
            return None
        return sizes.get(version, sizes.get(""))

    def link_order(self, version: str, units: list[str]) -> list[str | None]:
        """The version's defined functions in link order (``ingest.domain.symbols.renames.link_order``)."""
        from ingest.domain.symbols.renames import link_order

        by_file: dict[str, list[tuple[int, str]]] = {}
        if self.version_table is not None:
            cols = [self.version_table.col(c) for c in ("file", "line", "defined")]
            for name, vals in self.version_table.by_to("Function", "Version", version).items():
                if vals[cols[2]] and vals[cols[0]]:
                    by_file.setdefault(vals[cols[0]], []).append((vals[cols[1]] or 0, name))
        return link_order(units, by_file)

    def kind_of(self, name: str) -> str | None:
        if name in self.functions:
            return "Function"
        if name in self.global_keys:
            return "Global"
        return None

    def in_version(self, kind: str, name: str, version: str) -> bool:
        if kind == "Function":
            vs = self.functions.get(name)
            return vs is None or version in vs
        return bool(self.global_keys_in(name, version))

    def global_keys_in(self, name: str, version: str) -> list[str]:
        """The keys of the globals named ``name`` that exist in ``version``."""
        out = []
        for key in self.global_keys.get(name, ()):
            vs = self.globals.get(key)
            if vs is None or version in vs:
                out.append(key)
        return out

    def global_key(self, name: str, version: str, segment: str | None) -> str | None:
        """The one global a symbol of that name names in that version: the only one, else
        the only one whose file is in ``segment``; None when that does not tell."""
        keys = self.global_keys_in(name, version)
        if len(keys) > 1:
            keys = [k for k in keys if segment is not None and self.segment_of.get(k) == segment]
        return keys[0] if len(keys) == 1 else None


def _plain_type(t: str) -> str:
    """'struct SaveContext', 'volatile SaveContext' -> 'SaveContext'; pointers/arrays -> ''."""
    if any(c in t for c in "*[("):
        return ""
    words = [w for w in t.split() if w not in ("struct", "union", "const", "volatile", "static", "extern")]
    return words[0] if len(words) == 1 else ""
