// The nodes a link of the kinds $rels leaving one of $ids points at (one row); see linked_in.
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[:$any($rels)]->(m:Entity)
USING INDEX SEEK n:Entity(id)
RETURN collect(DISTINCT m.id) AS found
