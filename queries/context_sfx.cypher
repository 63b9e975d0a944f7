// description: A sound effect's id, bank, importance and flags.
// param: enum str names sfx -- sfx enum, e.g. NA_SE_EN_TITE_JUMP
MATCH (s:Sfx {enum: $enum})
RETURN s.enum AS enum, s.id AS id, s.bank AS bank, s.channel AS channel,
       s.importance AS importance, s.dist_range AS dist_range, s.flags AS flags
