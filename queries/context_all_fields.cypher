// description: Every struct member with its representative offset, size and type (bulk form of context_struct_fields).
MATCH (s:Struct)-[h:HAS_FIELD]->(fd:Field)
RETURN s.name AS struct, fd.id AS id, fd.name AS field, coalesce(h.position, fd.position) AS position,
       fd.offset AS offset, fd.size AS size, fd.type AS type
