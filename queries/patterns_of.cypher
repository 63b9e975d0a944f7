// description: The patterns an actor (every step, or a near miss with the steps it lacks) or a function (where a step of a complete actor sits) follows.
// param: name str names actor_or_function -- an actor (En_Zl4, ovl_En_Zl4, ACTOR_EN_ZL4) or a function name
MATCH (a:Actor)-[f:FOLLOWS]->(p:Pattern)
WHERE a.enum = $name OR a.debug_name = $name OR a.overlay = $name
   OR a.overlay = 'ovl_' + $name OR a.enum = 'ACTOR_' + toUpper($name)
RETURN p.id AS pattern, p.support AS support, f.complete AS complete, f.missing AS missing,
       f.role AS role, p.description AS description
UNION ALL
MATCH (g:Function {name: $name})-[f:FOLLOWS]->(p:Pattern)
RETURN p.id AS pattern, p.support AS support, coalesce(f.complete, true) AS complete,
       f.missing AS missing, f.role AS role, p.description AS description
