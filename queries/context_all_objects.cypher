// description: Every object's facts: id, segment, asset count and the actors that use it (bulk form of context_object).
MATCH (o:Object)
OPTIONAL MATCH (o)-[:HAS_ASSET]->(s:Asset)
WITH o, count(s) AS assets
OPTIONAL MATCH (a:Actor)-[:USES_OBJECT]->(o)
RETURN o.enum AS enum, o.id AS id, o.segment AS segment, assets AS assets,
       collect(DISTINCT a.enum) AS actors
