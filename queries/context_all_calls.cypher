// description: Every call edge with both ends' signature and site (bulk form of context_callers / context_callees).
MATCH (a:Function)-[r:CALLS]->(b:Function)
RETURN a.name AS caller, a.file AS caller_file, a.line AS caller_line, b.name AS callee,
       b.signature AS callee_signature, b.file AS callee_file, b.line AS callee_line,
       r.count AS count, r.versions AS versions
