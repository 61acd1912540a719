// Persons holding one of these identity-number hashes (one person per number at import,
// checks by identity number): an index seek per hash (person_id_hash); one row.
UNWIND $hashes AS hash
MATCH (n:Person {id_hash: hash})
RETURN collect({id: n.id, type: n.type, name: n.name, props: n.props}) AS found
