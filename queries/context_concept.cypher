// description: A concept of the curriculum with its direct prerequisites.
// param: id str names concept -- concept id, e.g. display-lists
MATCH (c:Concept {id: $id})
OPTIONAL MATCH (c)-[:REQUIRES]->(p:Concept)
RETURN c.id AS id, c.title AS title, c.domain AS domain, c.difficulty AS difficulty,
       c.summary AS summary, collect(p.id) AS requires
