// description: A global variable's type in every version that has it, oldest first.
// param: name str -- global name
MATCH (g:Global {name: $name})-[iv:IN_VERSION]->(v:Version)
RETURN v.id AS version, v.ordinal AS ordinal, coalesce(iv.type, g.type) AS type
ORDER BY ordinal, version
