// description: Every RAM address of a function or global, per version and source (bulk form of context_addresses).
MATCH (f:Function)-[l:LOCATED_AT]->(v:Version)
RETURN f.name AS name, v.id AS version, v.ordinal AS ordinal, l.address AS address, l.size AS size,
       l.source AS source
UNION ALL
MATCH (g:Global)-[l:LOCATED_AT]->(v:Version)
RETURN g.id AS name, v.id AS version, v.ordinal AS ordinal, l.address AS address, l.size AS size,
       l.source AS source
