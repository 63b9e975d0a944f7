// description: Concepts to learn before CONCEPT, in learning order: farthest first (longest REQUIRES chain), then easier, then by id.
// param: concept str names concept -- concept id, e.g. actor-collision
// The order is a topological one: a prerequisite is always farther from CONCEPT than what needs
// it. The same order as ingest.concepts.Curriculum.prerequisite_chain (minus CONCEPT itself).
MATCH p = (c:Concept {id: $concept})-[:REQUIRES*1..30]->(pre:Concept)
WITH pre, max(length(p)) AS distance
RETURN pre.id AS id, pre.title AS title, pre.domain AS domain, pre.difficulty AS difficulty,
       distance AS distance
ORDER BY distance DESC, difficulty, id
