// description: Actors that depend on an object (by profile, #include or a runtime Object_GetSlot), ordered by actor id.
// param: object str names object -- OBJECT_GAMEPLAY_KEEP, gameplay_keep or object_horse
MATCH (o:Object)
WHERE o.enum = $object OR o.segment = $object OR o.enum = 'OBJECT_' + toUpper($object)
MATCH (a:Actor)-[u:USES_OBJECT]->(o)
WITH o, a, collect(DISTINCT u.via) AS via
RETURN a.id AS id, a.enum AS actor, a.debug_name AS name, o.enum AS object, via AS via
ORDER BY id, actor
