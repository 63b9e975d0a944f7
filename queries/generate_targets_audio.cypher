// description: Soundfonts a generation run can target (a graph ingested before the audio source has none: the caller treats an error as no rows).
MATCH (s:Soundfont)
RETURN 'Soundfont' AS kind, s.name AS key, s.file AS file, '' AS detail, [] AS versions
