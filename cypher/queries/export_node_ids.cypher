// Node ids in id order, a page at a time after $after (keyset paging on the id constraint).
MATCH (n:Entity)
WHERE n.id > $after
RETURN n.id AS id
ORDER BY n.id
LIMIT $limit
