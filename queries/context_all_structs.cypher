// description: Every struct's representative size and site (bulk form of context_struct).
MATCH (s:Struct)
RETURN s.name AS name, s.kind AS kind, s.size AS size, s.align AS align, s.file AS file,
       s.line AS line
