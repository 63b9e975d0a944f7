// description: The game versions in the graph, oldest first.
MATCH (v:Version)
RETURN v.id AS id, v.ordinal AS ordinal, v.is_default AS is_default
ORDER BY ordinal, id
