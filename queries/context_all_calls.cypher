// description: Every call edge (bulk form of context_callers / context_callees; both ends' signatures and sites come from context_all_functions).
MATCH (a:Function)-[r:CALLS]->(b:Function)
RETURN a.name AS caller, b.name AS callee, r.count AS count, r.versions AS versions
