// description: An actor by overlay/debug name or enum: table and profile facts, one row per version (id, overlay VRAM, instance size there).
// param: name str names actor -- En_Horse, ovl_En_Horse or ACTOR_EN_HORSE
MATCH (a:Actor)
WHERE a.enum = $name OR a.debug_name = $name OR a.overlay = $name
   OR a.overlay = 'ovl_' + $name OR a.enum = 'ACTOR_' + toUpper($name)
MATCH (a)-[iv:IN_VERSION]->(v:Version)
OPTIONAL MATCH (a)-[:INSTANCE_OF]->(st:Struct)
OPTIONAL MATCH (st)-[sv:IN_VERSION]->(v)
OPTIONAL MATCH (a)-[:USES_OBJECT {via: 'profile'}]->(o:Object)
OPTIONAL MATCH (a)-[:PROFILE_FN {role: 'init'}]->(fi:Function)
OPTIONAL MATCH (a)-[:PROFILE_FN {role: 'destroy'}]->(fd:Function)
OPTIONAL MATCH (a)-[:PROFILE_FN {role: 'update'}]->(fu:Function)
OPTIONAL MATCH (a)-[:PROFILE_FN {role: 'draw'}]->(fw:Function)
OPTIONAL MATCH (a)-[:IN_SEGMENT]->(seg:Segment)-[loc:LOCATED_AT]->(v)
WITH a, v, iv, st, sv, o, fi, fd, fu, fw, collect(DISTINCT loc.hex) AS vram
RETURN a.enum AS enum, a.id AS id, a.debug_name AS name, a.overlay AS overlay,
       a.category AS category, a.flags AS flags, a.alloc AS alloc,
       coalesce(o.enum, a.object) AS object, coalesce(st.name, a.instance_struct) AS instance_struct,
       coalesce(sv.size, a.instance_size) AS instance_size,
       fi.name AS init, fd.name AS destroy, fu.name AS update, fw.name AS draw,
       a.file AS file, v.id AS version, vram AS overlay_vram
ORDER BY enum, v.ordinal
