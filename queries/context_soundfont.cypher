// description: A soundfont's contents (from the extraction XML) and the sequences whose source includes it.
// param: name str -- soundfont name, e.g. Soundfont_7
MATCH (s:Soundfont {name: $name})
OPTIONAL MATCH (q:Sequence)-[u:USES_FONT]->(s)
RETURN s.name AS name, s.number AS number, s.file AS file, s.instruments AS instruments,
       s.programs AS programs, s.drums AS drums, s.effects AS effects, s.envelopes AS envelopes,
       collect(q.enum) AS sequences
