// description: How many nodes of each kind and relationships of each type the graph holds.
// OPTIONAL MATCH: with a constant in RETURN, Ladybug groups by it and returns no row for an empty kind.
OPTIONAL MATCH (n:Version) RETURN 'node' AS type, 'Version' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:File) RETURN 'node' AS type, 'File' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Function) RETURN 'node' AS type, 'Function' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Struct) RETURN 'node' AS type, 'Struct' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Field) RETURN 'node' AS type, 'Field' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Enum) RETURN 'node' AS type, 'Enum' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:EnumConstant) RETURN 'node' AS type, 'EnumConstant' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Typedef) RETURN 'node' AS type, 'Typedef' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Global) RETURN 'node' AS type, 'Global' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Define) RETURN 'node' AS type, 'Define' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Actor) RETURN 'node' AS type, 'Actor' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Object) RETURN 'node' AS type, 'Object' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Asset) RETURN 'node' AS type, 'Asset' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Scene) RETURN 'node' AS type, 'Scene' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Room) RETURN 'node' AS type, 'Room' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Entrance) RETURN 'node' AS type, 'Entrance' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Sequence) RETURN 'node' AS type, 'Sequence' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Sfx) RETURN 'node' AS type, 'Sfx' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Soundfont) RETURN 'node' AS type, 'Soundfont' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:SampleBank) RETURN 'node' AS type, 'SampleBank' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:EffectSs) RETURN 'node' AS type, 'EffectSs' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:GameState) RETURN 'node' AS type, 'GameState' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Segment) RETURN 'node' AS type, 'Segment' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Concept) RETURN 'node' AS type, 'Concept' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:IngestRun) RETURN 'node' AS type, 'IngestRun' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Example) RETURN 'node' AS type, 'Example' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Review) RETURN 'node' AS type, 'Review' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:LinkerSymbol) RETURN 'node' AS type, 'LinkerSymbol' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:VersionBlock) RETURN 'node' AS type, 'VersionBlock' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH (n:Pattern) RETURN 'node' AS type, 'Pattern' AS kind, count(n) AS count
UNION ALL
OPTIONAL MATCH ()-[r:IN_VERSION]->() RETURN 'relationship' AS type, 'IN_VERSION' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:CALLS]->() RETURN 'relationship' AS type, 'CALLS' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:DEFINED_IN]->() RETURN 'relationship' AS type, 'DEFINED_IN' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:DECLARED_IN]->() RETURN 'relationship' AS type, 'DECLARED_IN' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:HAS_FIELD]->() RETURN 'relationship' AS type, 'HAS_FIELD' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:HAS_CONSTANT]->() RETURN 'relationship' AS type, 'HAS_CONSTANT' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:OF_TYPE]->() RETURN 'relationship' AS type, 'OF_TYPE' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:RETURNS]->() RETURN 'relationship' AS type, 'RETURNS' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:HAS_PARAM_TYPE]->() RETURN 'relationship' AS type, 'HAS_PARAM_TYPE' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:LOCATED_AT]->() RETURN 'relationship' AS type, 'LOCATED_AT' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:PROFILE_FN]->() RETURN 'relationship' AS type, 'PROFILE_FN' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:USES_OBJECT]->() RETURN 'relationship' AS type, 'USES_OBJECT' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:INSTANCE_OF]->() RETURN 'relationship' AS type, 'INSTANCE_OF' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:IN_SEGMENT]->() RETURN 'relationship' AS type, 'IN_SEGMENT' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:HAS_ASSET]->() RETURN 'relationship' AS type, 'HAS_ASSET' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:HAS_ROOM]->() RETURN 'relationship' AS type, 'HAS_ROOM' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:ENTERS]->() RETURN 'relationship' AS type, 'ENTERS' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:USES_FONT]->() RETURN 'relationship' AS type, 'USES_FONT' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:REQUIRES]->() RETURN 'relationship' AS type, 'REQUIRES' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:COVERS]->() RETURN 'relationship' AS type, 'COVERS' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:GROUNDED_IN]->() RETURN 'relationship' AS type, 'GROUNDED_IN' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:BUILDS_ON]->() RETURN 'relationship' AS type, 'BUILDS_ON' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:REVIEWS]->() RETURN 'relationship' AS type, 'REVIEWS' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:FLAGS]->() RETURN 'relationship' AS type, 'FLAGS' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:ASSIGNS]->() RETURN 'relationship' AS type, 'ASSIGNS' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:PASSES]->() RETURN 'relationship' AS type, 'PASSES' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:REFERS_TO]->() RETURN 'relationship' AS type, 'REFERS_TO' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:STEP]->() RETURN 'relationship' AS type, 'STEP' AS kind, count(r) AS count
UNION ALL
OPTIONAL MATCH ()-[r:FOLLOWS]->() RETURN 'relationship' AS type, 'FOLLOWS' AS kind, count(r) AS count
