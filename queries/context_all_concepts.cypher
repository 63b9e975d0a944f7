// description: Every concept of the curriculum with its direct prerequisites (bulk form of context_concept).
MATCH (c:Concept)
OPTIONAL MATCH (c)-[:REQUIRES]->(p:Concept)
RETURN c.id AS id, c.title AS title, c.domain AS domain, c.difficulty AS difficulty,
       c.summary AS summary, collect(p.id) AS requires
