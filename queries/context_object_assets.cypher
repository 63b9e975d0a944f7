// description: Assets of an object (display lists, textures, skeletons...) with their kind and segment offset.
// param: enum str names object -- object enum
// param: limit int = 30 in 1..1000 inline -- most rows returned
MATCH (o:Object {enum: $enum})-[:HAS_ASSET]->(s:Asset)
RETURN s.name AS name, s.kind AS kind, s.offset AS offset, s.format AS format,
       s.width AS width, s.height AS height
ORDER BY offset, name
LIMIT {{limit}}
