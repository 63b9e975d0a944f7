// description: Every actor's profile functions with the actor's category (for choosing a similar actor as an exemplar).
MATCH (a:Actor)-[p:PROFILE_FN]->(f:Function)
WHERE coalesce(a.internal, false) = false
RETURN a.enum AS enum, a.category AS category, p.role AS role, f.name AS function,
       f.file AS file, f.line AS line
ORDER BY enum, role
