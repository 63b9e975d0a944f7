// description: Every actor's profile functions with signatures and sites (bulk form of context_actor_profile).
MATCH (a:Actor)-[p:PROFILE_FN]->(f:Function)
RETURN a.enum AS enum, p.role AS role, f.name AS function, f.signature AS signature,
       f.file AS file, f.line AS line
