// description: Every actor's table and profile facts (bulk form of context_actor).
MATCH (a:Actor)
OPTIONAL MATCH (a)-[:INSTANCE_OF]->(s:Struct)
RETURN a.enum AS enum, a.id AS id, a.overlay AS overlay, a.debug_name AS debug_name,
       a.category AS category, a.flags AS flags, a.flag_names AS flag_names, a.alloc AS alloc,
       a.instance_size AS instance_size, coalesce(s.name, a.instance_struct) AS instance_struct,
       a.object AS object, a.file AS file, a.internal AS internal
