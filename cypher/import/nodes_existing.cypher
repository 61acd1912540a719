// The stored version of the nodes a batch brings, to count created/updated/unchanged.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
