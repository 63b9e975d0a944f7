// description: The most recent ingest run recorded in the graph (generated examples name it).
MATCH (r:IngestRun)
RETURN r.id AS id, r.decomp_commit AS decomp_commit, r.started AS started, r.versions AS versions
ORDER BY started DESC
LIMIT 1
