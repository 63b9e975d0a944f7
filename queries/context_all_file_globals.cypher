// description: Every global with its file, type and line (bulk form of context_file_globals).
MATCH (g:Global) WHERE g.file IS NOT NULL
RETURN g.file AS file, g.id AS id, g.name AS name, g.type AS type, g.line AS line
