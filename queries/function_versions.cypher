// description: The version-compatibility of a function: in which ingested versions it exists, and with which signature (against the representative one).
// param: name str names function -- a function name
// render: kg.code:render_compat
MATCH (f:Function {name: $name})
MATCH (v:Version)
OPTIONAL MATCH (f)-[r:IN_VERSION]->(v)
RETURN 0 AS position, f.name AS step, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, f.signature AS reference
ORDER BY ordinal
