// description: Which actors have no generated example yet (optionally only for one family).
// param: family str = any -- example family, or any
MATCH (a:Actor) WHERE coalesce(a.unset, false) = false AND coalesce(a.internal, false) = false
OPTIONAL MATCH (e:Example)-[:GROUNDED_IN]->(a)
WHERE $family = 'any' OR e.family = $family
WITH a, count(e) AS examples
WHERE examples = 0
RETURN a.enum AS actor, a.category AS category
ORDER BY actor
