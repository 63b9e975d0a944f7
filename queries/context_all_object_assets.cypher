// description: Every object's assets with their kind and segment offset (bulk form of context_object_assets).
MATCH (o:Object)-[:HAS_ASSET]->(s:Asset)
RETURN o.enum AS object, s.name AS name, s.kind AS kind, s.offset AS offset, s.format AS format,
       s.width AS width, s.height AS height
ORDER BY object, offset, name
