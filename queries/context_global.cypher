// description: A global variable's type, definition site and RAM address in one version.
// param: name str names global -- global key, e.g. gSaveContext (file:name for a static)
// param: version str = gc-eu-mq-dbg names version -- game version
MATCH (g:Global {id: $name})
OPTIONAL MATCH (g)-[iv:IN_VERSION]->(v:Version {id: $version})
OPTIONAL MATCH (g)-[loc:LOCATED_AT]->(lv:Version {id: $version})
OPTIONAL MATCH (g)-[:OF_TYPE]->(t:Struct)
RETURN g.name AS name, coalesce(iv.type, g.type) AS type, coalesce(iv.file, g.file) AS file,
       coalesce(iv.line, g.line) AS line, v.id AS in_version, loc.address AS address,
       loc.source AS address_source, t.name AS struct
