// description: The mined pattern catalogue: each pattern's id, the roles it spans, how many actors follow it (every step), its steps, and whether patterns.yaml names it.
// param: min_support int = 0 -- only patterns with at least this many actors
MATCH (p:Pattern)
WHERE p.support >= $min_support
RETURN p.id AS id, p.support AS support, size(p.counter_examples) AS near_misses, p.roles AS roles,
       size(p.steps) AS steps, p.curated AS named, p.description AS description
ORDER BY support DESC, id
