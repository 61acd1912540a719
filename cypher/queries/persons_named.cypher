// Persons whose normalised name equals one of $names (identity resolution: a published
// entry's candidates must share its name). The TEXT index entity_norm_name serves equality.
UNWIND $names AS name
MATCH (n:Person)
WHERE n.norm_name = name
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
ORDER BY n.id
