// description: An object's facts: id, segment, asset count, and the actors that use it.
// param: enum str names object -- object enum, e.g. OBJECT_TITE
MATCH (o:Object {enum: $enum})
OPTIONAL MATCH (o)-[:HAS_ASSET]->(s:Asset)
WITH o, count(s) AS assets
OPTIONAL MATCH (a:Actor)-[:USES_OBJECT]->(o)
RETURN o.enum AS enum, o.id AS id, o.segment AS segment, assets AS assets,
       collect(DISTINCT a.enum) AS actors
