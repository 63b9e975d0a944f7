// description: A scene's facts: id, segment, title card, draw config, rooms and entrances.
// param: enum str names scene -- scene enum, e.g. SCENE_DEKU_TREE
MATCH (s:Scene {enum: $enum})
OPTIONAL MATCH (s)-[hr:HAS_ROOM]->(r:Room)
WITH s, count(r) AS rooms
OPTIONAL MATCH (e:Entrance)-[:ENTERS]->(s)
RETURN s.enum AS enum, s.id AS id, s.segment AS segment, s.title_card AS title_card,
       s.draw_config AS draw_config, rooms AS rooms, count(e) AS entrances,
       min(e.enum) AS first_entrance
