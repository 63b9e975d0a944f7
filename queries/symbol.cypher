// description: What the graph holds about a name (any kind), per version: signature, size, offset, type, value (a table entry's id: the node's id; text, JSON of what differs in that version, may override it).
// param: name str names symbol -- a function, struct, Struct.field, typedef, constant, global (a static: every file's, or file:name for one), linker symbol (_ovl_En_HorseSegmentRomStart) or table enum (ACTOR_EN_HORSE)
// param: version str = any names version -- one version id, or any for all
MATCH (n:Function {name: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Function' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Struct {name: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Struct' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Field {id: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Field' AS kind, n.id AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Typedef {name: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Typedef' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Enum {name: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Enum' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:EnumConstant {name: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'EnumConstant' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Global)-[r:IN_VERSION]->(v:Version)
WHERE (n.name = $name OR n.id = $name) AND ($version = 'any' OR v.id = $version)
RETURN 'Global' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:LinkerSymbol {name: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'LinkerSymbol' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Define {name: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Define' AS kind, n.name AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       r.value AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Actor {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Actor' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Object {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Object' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Scene {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Scene' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Sequence {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Sequence' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Sfx {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Sfx' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:EffectSs {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'EffectSs' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:Entrance {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'Entrance' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
UNION ALL
MATCH (n:GameState {enum: $name})-[r:IN_VERSION]->(v:Version)
WHERE $version = 'any' OR v.id = $version
RETURN 'GameState' AS kind, n.enum AS name, v.id AS version, v.ordinal AS ordinal,
       r.signature AS signature, r.size AS size, r.offset AS offset, r.type AS type,
       n.id AS value, r.file AS file, r.line AS line, r.text AS text
