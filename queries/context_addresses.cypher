// description: RAM addresses of a function or global in every version the graph knows, with the source of each.
// param: name str names addressable -- function name or global key (kg.schema.global_id)
MATCH (f:Function {name: $name})-[l:LOCATED_AT]->(v:Version)
RETURN v.id AS version, v.ordinal AS ordinal, l.address AS address, l.source AS source
UNION ALL
MATCH (g:Global {id: $name})-[l:LOCATED_AT]->(v:Version)
RETURN v.id AS version, v.ordinal AS ordinal, l.address AS address, l.source AS source
