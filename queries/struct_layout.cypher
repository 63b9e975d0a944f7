// description: A struct's layout in one version: every field's offset, size and type on the N64 ABI (MIPS), with the struct's size and alignment.
// param: name str names struct -- struct (or union) name, e.g. Actor
// param: version str = gc-eu-mq-dbg names version -- game version
MATCH (s:Struct {name: $name})-[sv:IN_VERSION]->(v:Version {id: $version})
MATCH (s)-[h:HAS_FIELD]->(f:Field)-[fv:IN_VERSION]->(v)
RETURN s.name AS struct, v.id AS version, sv.size AS struct_size, sv.align AS struct_align,
       f.name AS field, fv.offset AS offset, fv.size AS size, fv.type AS type
ORDER BY offset, h.position
