// description: How a function is used: called (CALLS), passed as a callback, stored in a field, named in a profile or a table. A function only passed or stored is a callback, never one to call directly.
// param: name str names function -- a function name
MATCH (g:Function)-[c:CALLS]->(f:Function {name: $name})
RETURN 'called' AS how, g.name AS by, '' AS detail, g.file AS file, c.line AS line
UNION ALL
MATCH (g:Function)-[x:PASSES]->(f:Function {name: $name})
RETURN 'passed' AS how, g.name AS by,
       coalesce(x.callee, '(indirect call)') + ' ' + coalesce(x.param, x.site) AS detail,
       g.file AS file, x.line AS line
UNION ALL
MATCH (g:Function)-[x:ASSIGNS]->(f:Function {name: $name})
RETURN 'stored' AS how, g.name AS by, x.field AS detail, g.file AS file, x.line AS line
UNION ALL
MATCH (a:Actor)-[x:PROFILE_FN]->(f:Function {name: $name})
RETURN 'profile' AS how, a.enum AS by, x.role AS detail, a.file AS file, f.line AS line
UNION ALL
MATCH (g:Global)-[x:REFERS_TO]->(f:Function {name: $name})
RETURN 'table' AS how, g.id AS by, g.type AS detail, g.file AS file, g.line AS line
