// description: An object by segment or enum: id, segment number, the actors using it, and one row per asset (kind, offset, texture format/size, counts).
// param: name str names object -- object_horse, OBJECT_HORSE or gameplay_keep
MATCH (o:Object)
WHERE o.enum = $name OR o.segment = $name OR o.enum = 'OBJECT_' + toUpper($name)
OPTIONAL MATCH (a:Actor)-[:USES_OBJECT]->(o)
WITH o, a ORDER BY a.id SKIP 0
WITH o, collect(DISTINCT a.enum) AS actors
OPTIONAL MATCH (o)-[:HAS_ASSET]->(x:Asset)
RETURN o.enum AS enum, o.id AS id, o.segment AS segment, o.segment_number AS segment_number,
       actors AS actors, x.kind AS kind, x.name AS asset, x.offset AS offset,
       x.format AS format, x.width AS width, x.height AS height, x.count AS count
ORDER BY kind, offset, asset
