"""Every source of the graph, in the order a full ingest runs them: the one place a source is
listed (``ingest.pipeline`` runs them, ``--only NAME`` picks some).

A source is a function ``fn(ctx: IngestContext) -> Facts`` (``ingest.context``); to add one,
write it in the module of its area and list it here.
"""

from __future__ import annotations

from ingest.c.source import c_source
from ingest.concepts.source import concepts_source
from ingest.context import Source
from ingest.domain.addresses import addresses_source
from ingest.domain.assets_xml import assets_source
from ingest.domain.audio import audio_source
from ingest.domain.tables import tables_source
from ingest.patterns.mine import patterns_source

# The C code comes first: later sources see ctx.c_facts.
SOURCES: tuple[Source, ...] = (
    Source("c", c_source),
    # idioms mined from the C facts (the C delta mines its edited actors again)
    Source("patterns", patterns_source),
    # (tables and assets need nothing of the C facts. Run while the C workers parsed, on
    # 2 cores, they saved no time and held ~55 MB through a 16-version parse: measured.)
    Source("tables", tables_source),
    Source("assets", assets_source),
    # soundfonts, sample banks and sequence fonts (needs the tables' Sequence nodes)
    Source("audio", audio_source),
    # segments.csv, config.yml, symbol lists and map files together: conflicts between
    # sources and symbol extents need all of a version's addresses at once.
    Source("addresses", addresses_source),
    Source("concepts", concepts_source),
)
