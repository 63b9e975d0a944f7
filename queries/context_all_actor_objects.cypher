// description: Every actor's objects with ids and segments (bulk form of context_actor_objects).
MATCH (a:Actor)-[u:USES_OBJECT]->(o:Object)
RETURN a.enum AS enum, o.enum AS object, o.id AS id, o.segment AS segment, u.via AS via,
       u.versions AS versions
