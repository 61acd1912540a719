// Persons holding any of the identity keys (a number's keyed hash, a masking pattern's blind
// index, an alias id): `id_keys` is a list, which no Neo4j 5 index serves for membership, so
// this reads the Person label; checks by identity number and identity resolution are its
// only callers.
MATCH (n:Person)
WHERE n.id_keys IS NOT NULL AND any(key IN n.id_keys WHERE key IN $keys)
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
ORDER BY n.id
LIMIT $limit
