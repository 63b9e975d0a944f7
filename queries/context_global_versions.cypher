// description: A global variable's type in every version that has it, oldest first.
// param: name str names global -- global key (file:name for a static)
MATCH (g:Global {id: $name})-[iv:IN_VERSION]->(v:Version)
RETURN v.id AS version, v.ordinal AS ordinal, coalesce(iv.type, g.type) AS type
ORDER BY ordinal, version
