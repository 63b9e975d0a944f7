// description: Functions whose name contains TEXT (case-sensitive), with signatures; e.g. the Sfx or Seq API for audio examples.
// param: text str -- substring of the name
// param: limit int = 8 in 1..200 inline -- most rows returned
MATCH (f:Function) WHERE f.name CONTAINS $text AND coalesce(f.static, false) = false
RETURN f.name AS name, f.signature AS signature, f.file AS file, f.line AS line
ORDER BY name
LIMIT {{limit}}
