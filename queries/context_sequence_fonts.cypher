// description: The soundfonts a sequence's source includes, in order.
// param: enum str -- sequence enum, e.g. NA_BGM_FIELD_LOGIC
MATCH (q:Sequence {enum: $enum})-[u:USES_FONT]->(s:Soundfont)
RETURN s.name AS font, s.number AS number, s.instruments AS instruments, s.programs AS programs,
       s.drums AS drums, u.position AS position
ORDER BY position
