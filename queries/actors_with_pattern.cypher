// description: The actors that follow a pattern (every step; the versions where all of them exist), optionally of one category; with complete=false also the near misses and the steps they lack.
// param: name str names pattern -- a pattern id (see `ootkg patterns`)
// param: category str = * names category -- an actor category (ACTORCAT_ENEMY, ...), or * for any
// param: complete bool = true -- false: the near misses (counter-examples) as well
MATCH (a:Actor)-[f:FOLLOWS]->(p:Pattern {id: $name})
WHERE ($category = '*' OR a.category = $category) AND (f.complete OR NOT $complete)
RETURN a.enum AS actor, a.category AS category, f.complete AS complete, f.missing AS missing,
       f.versions AS versions, a.file AS file
ORDER BY complete DESC, actor
