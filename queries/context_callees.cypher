// description: Functions NAME calls directly, with their signatures and the versions where each call exists.
// param: name str names function -- caller
// param: limit int = 20 in 1..500 inline -- most rows returned
MATCH (f:Function {name: $name})-[r:CALLS]->(c:Function)
RETURN c.name AS callee, c.signature AS signature, c.params AS params,
       c.return_type AS return_type, c.file AS file, c.line AS line, r.count AS count,
       r.versions AS versions
ORDER BY callee
LIMIT {{limit}}
