// description: The #if/#ifdef/#elif/#else branches of a file: directive, lines, and the ingested versions that compile each branch.
// param: file str names file -- a checkout-relative path (src/code/z_actor.c, include/versions.h)
MATCH (b:VersionBlock {file: $file})
RETURN b.line AS line, b.last_line AS last_line, b.endif_line AS endif_line,
       b.text AS directive, b.versions AS versions, b.parent AS inside
ORDER BY line
