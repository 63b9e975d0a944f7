// description: Globals defined in one file (an actor's profile, collider inits, static tables), with their types and lines.
// param: file str -- path of the file, e.g. src/overlays/actors/ovl_En_Fu/z_en_fu.c
MATCH (g:Global) WHERE g.file = $file
RETURN g.id AS id, g.name AS name, g.type AS type, g.line AS line
ORDER BY line, id
