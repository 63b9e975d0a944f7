// description: A scene's rooms and the entrances that lead into it, with room position / entrance spawn (unordered: sort by what, position).
// param: enum str names scene -- scene enum
MATCH (s:Scene {enum: $enum})-[h:HAS_ROOM]->(r:Room)
RETURN 'room' AS what, r.name AS name, coalesce(h.position, r.position) AS position
UNION ALL
MATCH (e:Entrance)-[x:ENTERS]->(s:Scene {enum: $enum})
RETURN 'entrance' AS what, e.enum AS name, coalesce(x.spawn, e.spawn) AS position
