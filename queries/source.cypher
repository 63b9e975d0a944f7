// description: The code of a function, struct/union or global initializer: file, lines and text as written; with version=V, as V compiles it (inactive #if branches and the directives dropped).
// param: name str names definition -- a function, struct or global name (EnZl4_Init, Actor, sCylinderInit)
// param: version str = * names version -- a version id, or * for the text as written
// param: file str = * names file -- the file, to pick one of several statics of that name
// render: kg.code:render_source
MATCH (f:Function {name: $name})
WHERE f.source IS NOT NULL AND ($file = '*' OR f.file = $file)
OPTIONAL MATCH (f)-[r:IN_VERSION]->(v:Version {id: $version})
RETURN 'Function' AS kind, f.name AS name, f.file AS file, f.start_line AS start_line,
       f.end_line AS end_line, f.source AS text, r.text AS version_text, v.id AS version,
       r.defined AS defined
UNION ALL
MATCH (s:Struct {name: $name})
WHERE s.definition IS NOT NULL AND ($file = '*' OR s.file = $file)
OPTIONAL MATCH (s)-[r:IN_VERSION]->(v:Version {id: $version})
RETURN 'Struct' AS kind, s.name AS name, s.file AS file, s.start_line AS start_line,
       s.end_line AS end_line, s.definition AS text, r.text AS version_text, v.id AS version,
       true AS defined
UNION ALL
MATCH (g:Global)
WHERE g.name = $name AND g.initializer IS NOT NULL AND ($file = '*' OR g.file = $file)
OPTIONAL MATCH (g)-[r:IN_VERSION]->(v:Version {id: $version})
RETURN 'Global' AS kind, g.id AS name, g.file AS file, g.start_line AS start_line,
       g.end_line AS end_line, g.initializer AS text, r.text AS version_text, v.id AS version,
       r.defined AS defined
