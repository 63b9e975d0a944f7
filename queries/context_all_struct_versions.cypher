// description: Every struct's per-version size, alignment and site (bulk form of context_struct_versions).
MATCH (s:Struct)-[iv:IN_VERSION]->(v:Version)
RETURN s.name AS name, v.id AS version, v.ordinal AS ordinal, iv.size AS size, iv.align AS align,
       iv.file AS file, iv.line AS line
