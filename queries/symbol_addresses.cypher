// description: RAM addresses the graph holds for a function, global or linker symbol, per version and source.
// param: name str names addressable -- a function or global name, e.g. gSaveContext
// param: version str = any names version -- one version id, or any for all
MATCH (n:Function {name: $name})-[r:LOCATED_AT]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN n.name AS name, v.id AS version, v.ordinal AS ordinal, r.address AS address, r.source AS source
UNION ALL
MATCH (n:Global)-[r:LOCATED_AT]->(v:Version)
WHERE (n.name = $name OR n.id = $name) AND ($version = 'any' OR v.id = $version)
RETURN n.id AS name, v.id AS version, v.ordinal AS ordinal, r.address AS address, r.source AS source
UNION ALL
MATCH (n:LinkerSymbol {name: $name})-[r:LOCATED_AT]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN n.name AS name, v.id AS version, v.ordinal AS ordinal, r.address AS address, r.source AS source
