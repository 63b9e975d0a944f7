// description: A ROM segment of the build (spec): number, alignment, compression, overlay, and its address per version.
// param: name str names segment -- segment name, e.g. ovl_En_Tite
// param: version str = gc-eu-mq-dbg names version -- game version
MATCH (s:Segment {name: $name})
OPTIONAL MATCH (s)-[loc:LOCATED_AT]->(v:Version {id: $version})
OPTIONAL MATCH (f:File)-[:IN_SEGMENT]->(s)
RETURN s.name AS name, s.number AS number, s.romalign AS romalign, s.compress AS compress,
       s.overlay AS overlay, loc.address AS address, loc.size AS size, loc.source AS address_source,
       collect(f.path) AS files
