// The nodes of $ids with a link out of them (one row). A link can be stored only if its
// start has one, so a first load looks for earlier copies of only those links: Neo4j keeps
// a node's degree with the node, so this reads no relationship.
UNWIND $ids AS id
MATCH (a:Entity {id: id})
USING INDEX SEEK a:Entity(id)
WITH a, id
WHERE COUNT { (a)-->() } > 0
RETURN collect(id) AS found
