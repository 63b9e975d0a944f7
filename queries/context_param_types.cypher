// description: The named types (struct, typedef, enum) a function's parameters use, with the file that defines each.
// param: name str names function -- function name
MATCH (f:Function {name: $name})-[p:HAS_PARAM_TYPE]->(t)
RETURN p.position AS position, t.name AS type, t.file AS file
ORDER BY position, type
