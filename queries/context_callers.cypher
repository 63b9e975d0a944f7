// description: Functions that call NAME directly, with the versions where each call exists.
// param: name str names function -- callee
// param: limit int = 20 in 1..500 inline -- most rows returned
MATCH (c:Function)-[r:CALLS]->(f:Function {name: $name})
RETURN c.name AS caller, c.file AS file, c.line AS line, r.count AS count, r.versions AS versions
ORDER BY caller
LIMIT {{limit}}
