// Every node, in first-load order (range index on seq).
MATCH (n:Entity)
WHERE n.seq IS NOT NULL
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
ORDER BY n.seq
