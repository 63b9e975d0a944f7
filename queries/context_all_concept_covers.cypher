// description: What every concept covers, by kind and key (bulk form of context_concept_covers).
MATCH (c:Concept)-[r:COVERS]->(n)
RETURN c.id AS concept, r.kind AS kind, coalesce(n.name, n.enum, n.id) AS key
ORDER BY concept, kind, key
