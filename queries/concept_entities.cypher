// description: The functions, structs, fields, macros and game entities CONCEPT covers, by kind then name.
// param: concept str names concept -- concept id, e.g. display-lists
// param: kind str = all names node_kind -- only entities of this kind (Function, Struct, Field, Define, Actor, ...)
// The kind comes from the COVERS edge (type()/labels() are not portable across stores).
MATCH (c:Concept {id: $concept})-[r:COVERS]->(n)
WHERE $kind = 'all' OR r.kind = $kind
RETURN r.kind AS kind, coalesce(n.enum, n.id, n.name) AS name, n.file AS file
ORDER BY kind, name
