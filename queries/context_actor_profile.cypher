// description: An actor's profile functions (init/destroy/update/draw) with signatures and definition sites.
// param: enum str names actor -- actor enum
MATCH (a:Actor {enum: $enum})-[p:PROFILE_FN]->(f:Function)
RETURN p.role AS role, f.name AS function, f.signature AS signature, f.file AS file, f.line AS line
ORDER BY role, function
