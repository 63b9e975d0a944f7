// description: Every COVERS edge of the curriculum: concept, the covered entity's kind and key.
MATCH (c:Concept)-[r:COVERS]->(n)
RETURN c.id AS concept, r.kind AS kind, coalesce(n.name, n.enum, n.id) AS key
ORDER BY concept, kind, key
