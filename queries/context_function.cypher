// description: A function's facts in one version: signature, definition site, RAM address (one row per address source).
// param: name str names function -- function name
// param: version str = gc-eu-mq-dbg names version -- game version
MATCH (f:Function {name: $name})
OPTIONAL MATCH (f)-[iv:IN_VERSION]->(v:Version {id: $version})
OPTIONAL MATCH (f)-[loc:LOCATED_AT]->(lv:Version {id: $version})
RETURN f.name AS name, coalesce(iv.signature, f.signature) AS signature,
       coalesce(iv.return_type, f.return_type) AS return_type, coalesce(iv.params, f.params) AS params,
       coalesce(iv.file, f.file) AS file, coalesce(iv.line, f.line) AS line,
       coalesce(iv.static, f.static) AS static, v.id AS in_version,
       loc.address AS address, loc.size AS size, loc.source AS address_source
