// description: Every call edge with both ends' signature and site (bulk form of context_callers / context_callees).
MATCH (a:Function)-[r:CALLS]->(b:Function)
RETURN a.name AS caller, a.file AS caller_file, a.line AS caller_line, b.name AS callee,
       b.signature AS callee_signature, b.params AS callee_params,
       b.return_type AS callee_return_type, b.file AS callee_file, b.line AS callee_line,
       r.count AS count, r.versions AS versions
