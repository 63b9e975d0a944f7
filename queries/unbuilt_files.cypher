// description: The .c files under src/ that no version of the last ingest compiles on its own, and why (included by another file, built by versions not ingested, spec-only under an #if no version meets, unexplained), and linked objects nothing makes (missing: an error).
// param: status str = any names file_status -- included, other-versions, not-built, unexplained, missing, or any
MATCH (f:File)
WHERE f.status IS NOT NULL AND ($status = 'any' OR f.status = $status)
RETURN f.status AS status, f.path AS path, f.reason AS reason
ORDER BY status, path
