// description: What differs between two versions: functions, structs, fields, defines and actors in only one of them, or whose per-version facts differ ('what' says which: signature, size, type/offset, value, instance size; a missing side is null).
// param: from_version str = ntsc-1.0 -- the older version
// param: to_version str = gc-eu-mq-dbg -- the version to compare it with
// param: name str = * -- only entities whose name contains this (* = all)
MATCH (x:Function)-[a:IN_VERSION]->(:Version {id: $from_version})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[b:IN_VERSION]->(:Version {id: $to_version})
WITH x, a, b WHERE b IS NULL OR a.signature <> b.signature
RETURN 'Function' AS kind, x.name AS name, 'signature' AS what, a.signature AS before,
       b.signature AS after, a.value AS before_value, b.value AS after_value
UNION ALL
MATCH (x:Function)-[b:IN_VERSION]->(:Version {id: $to_version})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[a:IN_VERSION]->(:Version {id: $from_version})
WITH x, a, b WHERE a IS NULL
RETURN 'Function' AS kind, x.name AS name, 'signature' AS what, a.signature AS before,
       b.signature AS after, a.value AS before_value, b.value AS after_value
UNION ALL
MATCH (x:Struct)-[a:IN_VERSION]->(:Version {id: $from_version})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[b:IN_VERSION]->(:Version {id: $to_version})
WITH x, a, b WHERE b IS NULL OR a.size <> b.size
RETURN 'Struct' AS kind, x.name AS name, 'size' AS what, a.text AS before, b.text AS after,
       a.size AS before_value, b.size AS after_value
UNION ALL
MATCH (x:Struct)-[b:IN_VERSION]->(:Version {id: $to_version})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[a:IN_VERSION]->(:Version {id: $from_version})
WITH x, a, b WHERE a IS NULL
RETURN 'Struct' AS kind, x.name AS name, 'size' AS what, a.text AS before, b.text AS after,
       a.size AS before_value, b.size AS after_value
UNION ALL
MATCH (x:Field)-[a:IN_VERSION]->(:Version {id: $from_version})
WHERE $name = '*' OR x.id CONTAINS $name
OPTIONAL MATCH (x)-[b:IN_VERSION]->(:Version {id: $to_version})
WITH x, a, b WHERE b IS NULL OR a.offset <> b.offset OR a.type <> b.type
RETURN 'Field' AS kind, x.id AS name, 'type/offset' AS what, a.type AS before, b.type AS after,
       a.offset AS before_value, b.offset AS after_value
UNION ALL
MATCH (x:Field)-[b:IN_VERSION]->(:Version {id: $to_version})
WHERE $name = '*' OR x.id CONTAINS $name
OPTIONAL MATCH (x)-[a:IN_VERSION]->(:Version {id: $from_version})
WITH x, a, b WHERE a IS NULL
RETURN 'Field' AS kind, x.id AS name, 'type/offset' AS what, a.type AS before, b.type AS after,
       a.offset AS before_value, b.offset AS after_value
UNION ALL
MATCH (x:Define)-[a:IN_VERSION]->(:Version {id: $from_version})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[b:IN_VERSION]->(:Version {id: $to_version})
WITH x, a, b WHERE b IS NULL OR a.value <> b.value
RETURN 'Define' AS kind, x.name AS name, 'value' AS what, a.text AS before, b.text AS after,
       a.value AS before_value, b.value AS after_value
UNION ALL
MATCH (x:Define)-[b:IN_VERSION]->(:Version {id: $to_version})
WHERE $name = '*' OR x.name CONTAINS $name
OPTIONAL MATCH (x)-[a:IN_VERSION]->(:Version {id: $from_version})
WITH x, a, b WHERE a IS NULL
RETURN 'Define' AS kind, x.name AS name, 'value' AS what, a.text AS before, b.text AS after,
       a.value AS before_value, b.value AS after_value
UNION ALL
MATCH (x:Actor)-[a:IN_VERSION]->(:Version {id: $from_version})
WHERE ($name = '*' OR x.enum CONTAINS $name) AND a.size IS NOT NULL
OPTIONAL MATCH (x)-[b:IN_VERSION]->(:Version {id: $to_version})
WITH x, a, b WHERE b IS NULL OR a.size <> b.size
RETURN 'Actor' AS kind, x.enum AS name, 'instance size' AS what, a.text AS before,
       b.text AS after, a.size AS before_value, b.size AS after_value
