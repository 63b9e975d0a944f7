// description: What differs between two versions: functions, structs, fields, defines and actors in only one of them, or whose per-version facts differ ('what' says which: signature, size, type/offset, value/body, instance size; a missing side is null).
// param: a str = ntsc-1.0 names version -- the older version (the "before" side)
// param: b str = gc-eu-mq-dbg names version -- the version to compare it with (the "after" side)
// param: name str = * -- only entities whose name contains this (* = all)
MATCH (x:Function)-[ea:IN_VERSION]->(:Version {id: $a})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[eb:IN_VERSION]->(:Version {id: $b})
WITH x, ea, eb WHERE eb IS NULL OR ea.signature <> eb.signature
RETURN 'Function' AS kind, x.name AS name, 'signature' AS what, ea.signature AS before,
       eb.signature AS after, ea.value AS before_value, eb.value AS after_value
UNION ALL
MATCH (x:Function)-[eb:IN_VERSION]->(:Version {id: $b})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[ea:IN_VERSION]->(:Version {id: $a})
WITH x, ea, eb WHERE ea IS NULL
RETURN 'Function' AS kind, x.name AS name, 'signature' AS what, ea.signature AS before,
       eb.signature AS after, ea.value AS before_value, eb.value AS after_value
UNION ALL
MATCH (x:Struct)-[ea:IN_VERSION]->(:Version {id: $a})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[eb:IN_VERSION]->(:Version {id: $b})
WITH x, ea, eb WHERE eb IS NULL OR ea.size <> eb.size
RETURN 'Struct' AS kind, x.name AS name, 'size' AS what, ea.text AS before, eb.text AS after,
       ea.size AS before_value, eb.size AS after_value
UNION ALL
MATCH (x:Struct)-[eb:IN_VERSION]->(:Version {id: $b})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[ea:IN_VERSION]->(:Version {id: $a})
WITH x, ea, eb WHERE ea IS NULL
RETURN 'Struct' AS kind, x.name AS name, 'size' AS what, ea.text AS before, eb.text AS after,
       ea.size AS before_value, eb.size AS after_value
UNION ALL
MATCH (x:Field)-[ea:IN_VERSION]->(:Version {id: $a})
WHERE $name = '*' OR x.id CONTAINS $name
OPTIONAL MATCH (x)-[eb:IN_VERSION]->(:Version {id: $b})
WITH x, ea, eb WHERE eb IS NULL OR ea.offset <> eb.offset OR ea.type <> eb.type
RETURN 'Field' AS kind, x.id AS name, 'type/offset' AS what, ea.type AS before, eb.type AS after,
       ea.offset AS before_value, eb.offset AS after_value
UNION ALL
MATCH (x:Field)-[eb:IN_VERSION]->(:Version {id: $b})
WHERE $name = '*' OR x.id CONTAINS $name
OPTIONAL MATCH (x)-[ea:IN_VERSION]->(:Version {id: $a})
WITH x, ea, eb WHERE ea IS NULL
RETURN 'Field' AS kind, x.id AS name, 'type/offset' AS what, ea.type AS before, eb.type AS after,
       ea.offset AS before_value, eb.offset AS after_value
UNION ALL
MATCH (x:Define)-[ea:IN_VERSION]->(:Version {id: $a})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[eb:IN_VERSION]->(:Version {id: $b})
WITH x, ea, eb WHERE eb IS NULL OR ea.value <> eb.value OR ea.text <> eb.text
RETURN 'Define' AS kind, x.name AS name, 'value/body' AS what, ea.text AS before, eb.text AS after,
       ea.value AS before_value, eb.value AS after_value
UNION ALL
MATCH (x:Define)-[eb:IN_VERSION]->(:Version {id: $b})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[ea:IN_VERSION]->(:Version {id: $a})
WITH x, ea, eb WHERE ea IS NULL
RETURN 'Define' AS kind, x.name AS name, 'value/body' AS what, ea.text AS before, eb.text AS after,
       ea.value AS before_value, eb.value AS after_value
UNION ALL
MATCH (x:Actor)-[ea:IN_VERSION]->(:Version {id: $a})
WHERE ($name = '*' OR x.enum CONTAINS $name) AND ea.size IS NOT NULL
OPTIONAL MATCH (x)-[eb:IN_VERSION]->(:Version {id: $b})
WITH x, ea, eb WHERE eb IS NULL OR ea.size <> eb.size
RETURN 'Actor' AS kind, x.enum AS name, 'instance size' AS what, ea.text AS before,
       eb.text AS after, ea.size AS before_value, eb.size AS after_value
