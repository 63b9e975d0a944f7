// description: The code and game entities a concept covers, by kind and key.
// param: id str names concept -- concept id
MATCH (c:Concept {id: $id})-[r:COVERS]->(n)
RETURN r.kind AS kind, coalesce(n.name, n.enum, n.id) AS key
ORDER BY kind, key
