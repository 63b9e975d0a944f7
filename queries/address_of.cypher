// description: The RAM address of a function, variable, linker symbol or segment in every version that has one, with the source of each fact (a map file, the segments/config of baseroms/, a symbol list).
// param: name str names addressable -- e.g. gSaveContext, Actor_Kill, ovl_En_Horse, _ovl_En_HorseSegmentRomStart (a static: its name, or file:name for one file's)
MATCH (f:Function {name: $name})-[l:LOCATED_AT]->(v:Version)
RETURN 'Function' AS kind, v.id AS version, v.ordinal AS ordinal, l.hex AS address,
       l.size AS size, l.segment AS segment, l.source AS source
ORDER BY ordinal, source
UNION ALL
MATCH (g:Global)-[l:LOCATED_AT]->(v:Version) WHERE g.name = $name OR g.id = $name
RETURN 'Global' AS kind, v.id AS version, v.ordinal AS ordinal, l.hex AS address,
       l.size AS size, l.segment AS segment, l.source AS source
ORDER BY ordinal, source
UNION ALL
MATCH (g:LinkerSymbol {name: $name})-[l:LOCATED_AT]->(v:Version)
RETURN 'LinkerSymbol' AS kind, v.id AS version, v.ordinal AS ordinal, l.hex AS address,
       l.size AS size, l.segment AS segment, l.source AS source
ORDER BY ordinal, source
UNION ALL
MATCH (s:Segment {name: $name})-[l:LOCATED_AT]->(v:Version)
RETURN 'Segment' AS kind, v.id AS version, v.ordinal AS ordinal, l.hex AS address,
       l.size AS size, s.name AS segment, l.source AS source
ORDER BY ordinal, source
