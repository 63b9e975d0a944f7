// description: Generated examples in the graph per family and difficulty, with how many passed validation.
MATCH (e:Example)
RETURN e.family AS family, e.difficulty AS difficulty, count(e) AS examples,
       sum(CASE WHEN e.ok THEN 1 ELSE 0 END) AS passed
ORDER BY family, difficulty
