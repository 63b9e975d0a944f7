// description: Generated examples per concept (through the concept itself or an entity it covers), by family.
MATCH (c:Concept)
OPTIONAL MATCH (e:Example)-[:GROUNDED_IN]->(c)
WITH c, collect(DISTINCT e) AS direct
OPTIONAL MATCH (c)-[:COVERS]->(n)<-[:GROUNDED_IN]-(e2:Example)
WITH c, direct, collect(DISTINCT e2) AS via
UNWIND (direct + via) AS e
WITH c, e WHERE e IS NOT NULL
RETURN c.id AS concept, e.family AS family, count(DISTINCT e) AS examples
ORDER BY concept, family
