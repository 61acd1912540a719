// The normalised names of the nodes after $after in id order, a page at a time: the
// migration that gives stored nodes their pinyin keys (name_keys) reads them with this.
MATCH (n:Entity)
WHERE n.id > $after
RETURN n.id AS id, n.norm_name AS norm_name
ORDER BY n.id
LIMIT $limit
