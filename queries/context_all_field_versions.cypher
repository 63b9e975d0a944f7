// description: Every struct member's per-version offset, size and type (bulk form of context_field_versions).
MATCH (s:Struct)-[:HAS_FIELD]->(fd:Field)-[iv:IN_VERSION]->(v:Version)
RETURN s.name AS struct, fd.name AS field, v.id AS version, v.ordinal AS ordinal,
       iv.offset AS offset, iv.size AS size, iv.type AS type
