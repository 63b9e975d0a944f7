// description: Every entity a generation run can target, with the versions it exists in (empty when the graph has no per-version edges for it).
MATCH (a:Actor) WHERE coalesce(a.unset, false) = false AND coalesce(a.internal, false) = false
OPTIONAL MATCH (a)-[:IN_VERSION]->(v:Version)
RETURN 'Actor' AS kind, a.enum AS key, a.file AS file, a.category AS detail, collect(v.id) AS versions
UNION ALL
MATCH (f:Function) WHERE coalesce(f.defined, true) = true
OPTIONAL MATCH (f)-[:IN_VERSION]->(v:Version)
RETURN 'Function' AS kind, f.name AS key, f.file AS file, f.signature AS detail, collect(v.id) AS versions
UNION ALL
MATCH (s:Struct)
OPTIONAL MATCH (s)-[:IN_VERSION]->(v:Version)
RETURN 'Struct' AS kind, s.name AS key, s.file AS file, s.kind AS detail, collect(v.id) AS versions
UNION ALL
MATCH (s:Scene) WHERE coalesce(s.unset, false) = false
OPTIONAL MATCH (s)-[:IN_VERSION]->(v:Version)
RETURN 'Scene' AS kind, s.enum AS key, s.segment AS file, s.title_card AS detail, collect(v.id) AS versions
UNION ALL
MATCH (o:Object) WHERE coalesce(o.unset, false) = false AND coalesce(o.empty, false) = false
OPTIONAL MATCH (o)-[:IN_VERSION]->(v:Version)
RETURN 'Object' AS kind, o.enum AS key, o.segment AS file, '' AS detail, collect(v.id) AS versions
UNION ALL
MATCH (g:Global)
OPTIONAL MATCH (g)-[:IN_VERSION]->(v:Version)
RETURN 'Global' AS kind, g.id AS key, g.file AS file, g.type AS detail, collect(v.id) AS versions
UNION ALL
MATCH (s:Sequence)
OPTIONAL MATCH (s)-[:IN_VERSION]->(v:Version)
RETURN 'Sequence' AS kind, s.enum AS key, '' AS file, s.name AS detail, collect(v.id) AS versions
UNION ALL
MATCH (s:Sfx)
OPTIONAL MATCH (s)-[:IN_VERSION]->(v:Version)
RETURN 'Sfx' AS kind, s.enum AS key, '' AS file, s.bank AS detail, collect(v.id) AS versions
UNION ALL
MATCH (s:Segment)
OPTIONAL MATCH (s)-[:IN_VERSION]->(v:Version)
RETURN 'Segment' AS kind, s.name AS key, '' AS file, '' AS detail, collect(v.id) AS versions
