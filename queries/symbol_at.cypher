// description: What contains a RAM address in one version: the function, variable and segment, the offset into each, and the source of each fact.
// param: address int -- a RAM address, e.g. 0x8011A5D0
// param: version str = gc-eu-mq-dbg names version -- game version
MATCH (f:Function)-[l:LOCATED_AT]->(v:Version {id: $version})
WHERE l.address <= $address AND ($address < l.address + l.size OR l.address = $address)
RETURN 'Function' AS kind, f.name AS name, l.hex AS start, l.size AS size,
       $address - l.address AS offset, l.segment AS segment, l.source AS source
UNION ALL
MATCH (g:Global)-[l:LOCATED_AT]->(v:Version {id: $version})
WHERE l.address <= $address AND ($address < l.address + l.size OR l.address = $address)
RETURN 'Global' AS kind, g.name AS name, l.hex AS start, l.size AS size,
       $address - l.address AS offset, l.segment AS segment, l.source AS source
UNION ALL
MATCH (s:Segment)-[l:LOCATED_AT]->(v:Version {id: $version})
WHERE l.address <= $address AND ($address < l.address + l.size OR l.address = $address)
RETURN 'Segment' AS kind, s.name AS name, l.hex AS start, l.size AS size,
       $address - l.address AS offset, s.name AS segment, l.source AS source
