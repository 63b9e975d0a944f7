// description: A function's signature, file:line, and the versions that define it (oldest first).
// param: name str names function -- the function's name, e.g. Actor_Kill
MATCH (f:Function {name: $name})
OPTIONAL MATCH (f)-[iv:IN_VERSION]->(v:Version)
WITH f, v ORDER BY v.ordinal SKIP 0
WITH f, collect(v.id) AS versions
OPTIONAL MATCH (f)<-[:CALLS]-(caller:Function)
WITH f, versions, count(DISTINCT caller) AS callers
OPTIONAL MATCH (f)-[:CALLS]->(callee:Function)
RETURN f.name AS name, f.signature AS signature, f.file AS file, f.line AS line,
       f.static AS static, f.defined AS defined, versions AS versions,
       callers AS callers, count(DISTINCT callee) AS callees
