MATCH (n:Entity)
WHERE n.type = $type AND n.id > $after
RETURN n.id AS id
ORDER BY n.id
LIMIT $limit
