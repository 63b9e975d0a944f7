// description: Actors that follow the most patterns an actor follows (every step), same category first: exemplars of how the decomp does what it does.
// param: name str names actor -- En_Zl4, ovl_En_Zl4 or ACTOR_EN_ZL4
// param: limit int = 5 in 1..50 inline -- how many
MATCH (a:Actor)-[f:FOLLOWS]->(p:Pattern)<-[g:FOLLOWS]-(b:Actor)
WHERE (a.enum = $name OR a.debug_name = $name OR a.overlay = $name
       OR a.overlay = 'ovl_' + $name OR a.enum = 'ACTOR_' + toUpper($name))
  AND f.complete AND g.complete AND b.enum <> a.enum
WITH b, a, count(p) AS shared, collect(p.id) AS patterns
RETURN b.enum AS actor, b.category AS category, b.category = a.category AS same_category,
       shared, patterns, b.file AS file
ORDER BY same_category DESC, shared DESC, actor
LIMIT {{limit}}
