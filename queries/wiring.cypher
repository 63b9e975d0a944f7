// description: How an actor is wired: its profile functions, functions its code stores at run time (Actor.draw/update, this->actionFunc...) with who stores them, callbacks it passes to other functions, and function tables in its data.
// param: name str names actor -- En_Zl4, ovl_En_Zl4 or ACTOR_EN_ZL4
// render: kg.code:render_wiring
MATCH (a:Actor)
WHERE a.enum = $name OR a.debug_name = $name OR a.overlay = $name
   OR a.overlay = 'ovl_' + $name OR a.enum = 'ACTOR_' + toUpper($name)
MATCH (a)-[p:PROFILE_FN]->(f:Function)
RETURN 'profile' AS kind, p.role AS slot, f.name AS function,
       a.enum AS set_by, '' AS via, f.file AS file, f.line AS line
UNION ALL
MATCH (a:Actor)
WHERE a.enum = $name OR a.debug_name = $name OR a.overlay = $name
   OR a.overlay = 'ovl_' + $name OR a.enum = 'ACTOR_' + toUpper($name)
MATCH (s:Function)-[x:ASSIGNS]->(f:Function)
WHERE s.file = a.file
RETURN
       CASE WHEN x.field = 'Actor.draw' OR x.field = 'Actor.update' THEN 'runtime' ELSE 'field' END AS kind,
       x.field AS slot, f.name AS function, s.name AS set_by, coalesce(x.via, '') AS via,
       s.file AS file, x.line AS line
UNION ALL
MATCH (a:Actor)
WHERE a.enum = $name OR a.debug_name = $name OR a.overlay = $name
   OR a.overlay = 'ovl_' + $name OR a.enum = 'ACTOR_' + toUpper($name)
MATCH (s:Function)-[x:PASSES]->(f:Function)
WHERE s.file = a.file
RETURN 'callback' AS kind, coalesce(x.param, x.site) AS slot,
       f.name AS function, s.name AS set_by, coalesce(x.callee, '(indirect call)') AS via,
       s.file AS file, x.line AS line
UNION ALL
MATCH (a:Actor)
WHERE a.enum = $name OR a.debug_name = $name OR a.overlay = $name
   OR a.overlay = 'ovl_' + $name OR a.enum = 'ACTOR_' + toUpper($name)
MATCH (g:Global)-[x:REFERS_TO]->(f:Function)
WHERE g.file = a.file AND g.type <> 'ActorProfile'
RETURN 'table' AS kind, g.name AS slot, f.name AS function, g.name AS set_by,
       '' AS via, g.file AS file, g.line AS line
