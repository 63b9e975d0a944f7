// description: A music sequence's id, name, medium and cache policy.
// param: enum str names sequence -- sequence enum, e.g. NA_BGM_FIELD_LOGIC
MATCH (s:Sequence {enum: $enum})
RETURN s.enum AS enum, s.id AS id, s.name AS name, s.medium AS medium,
       s.cache_policy AS cache_policy, s.flags AS flags
