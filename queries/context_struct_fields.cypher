// description: A struct's members in declaration order with offset, size and type in one version.
// param: name str names struct -- struct name
// param: version str = gc-eu-mq-dbg names version -- game version
MATCH (s:Struct {name: $name})-[h:HAS_FIELD]->(fd:Field)
OPTIONAL MATCH (fd)-[iv:IN_VERSION]->(v:Version {id: $version})
RETURN fd.id AS id, fd.name AS field, coalesce(h.position, fd.position) AS position,
       coalesce(iv.offset, fd.offset) AS offset, coalesce(iv.size, fd.size) AS size,
       coalesce(iv.type, fd.type) AS type, v.id AS in_version
ORDER BY position
