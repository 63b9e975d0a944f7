// description: The functions each actor's profile functions call (for choosing a similar actor as an exemplar without loading every call edge).
MATCH (a:Actor)-[p:PROFILE_FN]->(f:Function)-[:CALLS]->(g:Function)
WHERE coalesce(a.internal, false) = false
RETURN f.name AS function, g.name AS callee
