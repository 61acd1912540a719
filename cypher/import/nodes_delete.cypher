// A person merged into another (the same identity number): its links and events were moved
// in this transaction; what is left (its restrictions) goes with it.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
USING INDEX SEEK n:Entity(id)
OPTIONAL MATCH (r:Restriction {subject: id})
DETACH DELETE r
WITH DISTINCT n, id
DETACH DELETE n
RETURN id
