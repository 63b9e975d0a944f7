// description: Every function with its representative signature and definition site (bulk form of context_function, for long runs).
MATCH (f:Function)
RETURN f.name AS name, f.signature AS signature, f.return_type AS return_type, f.params AS params,
       f.file AS file, f.line AS line, f.static AS static
