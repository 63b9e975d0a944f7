// description: Every concept of the curriculum with its domain, difficulty and direct prerequisites.
MATCH (c:Concept)
OPTIONAL MATCH (c)-[:REQUIRES]->(p:Concept)
RETURN c.id AS id, c.domain AS domain, c.difficulty AS difficulty, collect(p.id) AS requires
ORDER BY id
