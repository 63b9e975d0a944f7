// description: A pattern's steps as graph edges: position, role, kind (call, pass, data) and the function or type it points at.
// param: name str names pattern -- a pattern id
MATCH (p:Pattern {id: $name})-[s:STEP]->(t)
RETURN s.position AS position, s.role AS role, s.kind AS kind, coalesce(t.name, t.id) AS target,
       t.signature AS signature, t.file AS file
ORDER BY position
