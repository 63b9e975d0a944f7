// description: Objects an actor uses (from its profile, includes or at run time), with object ids and segments.
// param: enum str names actor -- actor enum
MATCH (a:Actor {enum: $enum})-[u:USES_OBJECT]->(o:Object)
RETURN o.enum AS object, o.id AS id, o.segment AS segment, u.via AS via, u.versions AS versions
ORDER BY via, object
