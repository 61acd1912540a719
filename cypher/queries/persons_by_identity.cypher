// Persons holding any of the identity keys (a masking pattern's blind index, an alias id,
// the listed-entry marker; a number's keyed hash is looked up through id_hash, see
// persons_by_hash). `id_keys` holds them as one "|k1|k2|" string so that the TEXT index
// person_id_keys answers CONTAINS: no Neo4j 5 index serves membership in a list property.
UNWIND $keys AS key
MATCH (n:Person)
WHERE n.id_keys CONTAINS ('|' + key + '|')
WITH DISTINCT n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
