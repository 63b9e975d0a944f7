// description: A function's signature and definition site in every version that has it, oldest first.
// param: name str names function -- function name
MATCH (f:Function {name: $name})-[iv:IN_VERSION]->(v:Version)
RETURN v.id AS version, v.ordinal AS ordinal, iv.signature AS signature, iv.file AS file,
       iv.line AS line
ORDER BY ordinal, version
