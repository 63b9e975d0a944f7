// description: The version-compatibility matrix of a pattern: for each step function and each ingested version, whether it exists there and with the signature the pattern was mined with.
// param: name str names pattern -- a pattern id
// render: kg.code:render_compat
MATCH (p:Pattern {id: $name})-[s:STEP]->(f:Function)
MATCH (v:Version)
OPTIONAL MATCH (f)-[r:IN_VERSION]->(v)
RETURN s.position AS position, f.name AS step, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, f.signature AS reference
ORDER BY position, ordinal
