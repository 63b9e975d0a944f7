// description: A scene by enum or segment: id, title card, draw config, its rooms, the entrances into it and the versions that have it.
// param: name str names scene -- SCENE_HYRULE_FIELD or spot00_scene
MATCH (s:Scene)
WHERE s.enum = $name OR s.segment = $name OR s.enum = 'SCENE_' + toUpper($name)
OPTIONAL MATCH (s)-[hr:HAS_ROOM]->(r:Room)
WITH s, r ORDER BY r.position SKIP 0
WITH s, collect(r.name) AS rooms
OPTIONAL MATCH (e:Entrance)-[:ENTERS]->(s)
WITH s, rooms, e ORDER BY e.id SKIP 0
WITH s, rooms, collect(e.enum) AS entrances
OPTIONAL MATCH (s)-[:IN_VERSION]->(v:Version)
WITH s, rooms, entrances, v ORDER BY v.ordinal SKIP 0
RETURN s.enum AS enum, s.id AS id, s.segment AS segment, s.title_card AS title_card,
       s.draw_config AS draw_config, rooms AS rooms, entrances AS entrances,
       collect(v.id) AS versions
