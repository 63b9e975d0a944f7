// description: Objects a scene loads.
// param: enum str names scene -- scene enum
MATCH (s:Scene {enum: $enum})-[u:USES_OBJECT]->(o:Object)
RETURN o.enum AS object, o.id AS id, u.via AS via
ORDER BY object
