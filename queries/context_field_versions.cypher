// description: Every member offset of a struct in every version, to find what moved between versions.
// param: name str names struct -- struct name
MATCH (s:Struct {name: $name})-[:HAS_FIELD]->(fd:Field)-[iv:IN_VERSION]->(v:Version)
RETURN fd.name AS field, v.id AS version, v.ordinal AS ordinal, iv.offset AS offset,
       iv.type AS type
ORDER BY field, ordinal, version
