// description: Functions that call NAME directly (distance 1) or through up to DEPTH calls, nearest first (not NAME itself), with the file and line where each caller is defined (not the call site).
// param: name str names function -- the callee's name, e.g. Actor_Kill
// param: depth int = 1 in 1..6 inline -- how many calls away to look
// Ladybug enumerates every walk of a plain *1..N pattern (exponential on a call graph); SHORTEST
// visits each caller once. Same answers as callers.cypher, which Neo4j runs.
MATCH p = (c:Function)-[:CALLS* SHORTEST 1..{{depth}}]->(f:Function {name: $name})
WHERE c.name <> f.name
WITH c, min(length(p)) AS distance
RETURN c.name AS caller, distance AS distance, c.file AS file, c.line AS definition_line
ORDER BY distance, caller
