// Persons holding one of these identity-number hashes (one person per number at import,
// checks by identity number): an index seek per hash (person_id_hash).
UNWIND $hashes AS hash
MATCH (n:Person {id_hash: hash})
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
