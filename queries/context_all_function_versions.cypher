// description: Every function's per-version signature and definition site (bulk form of context_function_versions).
MATCH (f:Function)-[iv:IN_VERSION]->(v:Version)
RETURN f.name AS name, v.id AS version, v.ordinal AS ordinal, iv.signature AS signature,
       iv.return_type AS return_type, iv.params AS params, iv.file AS file, iv.line AS line,
       iv.static AS static
