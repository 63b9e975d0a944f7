// description: Every function parameter's named type with its defining file (bulk form of context_param_types).
MATCH (f:Function)-[p:HAS_PARAM_TYPE]->(t)
RETURN f.name AS name, p.position AS position, t.name AS type, t.file AS file
