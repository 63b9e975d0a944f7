// description: A struct's size in every version that has it, oldest first.
// param: name str names struct -- struct name
MATCH (s:Struct {name: $name})-[iv:IN_VERSION]->(v:Version)
RETURN v.id AS version, v.ordinal AS ordinal, iv.size AS size, iv.file AS file, iv.line AS line
ORDER BY ordinal, version
