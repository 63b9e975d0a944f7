// description: A struct's size and alignment in one version (N64 ABI), with its definition site.
// param: name str names struct -- struct name
// param: version str = gc-eu-mq-dbg names version -- game version
MATCH (s:Struct {name: $name})
OPTIONAL MATCH (s)-[iv:IN_VERSION]->(v:Version {id: $version})
RETURN s.name AS name, s.kind AS kind, coalesce(iv.size, s.size) AS size,
       coalesce(iv.align, s.align) AS align, coalesce(iv.file, s.file) AS file,
       coalesce(iv.line, s.line) AS line, v.id AS in_version
