// Nodes one link away from $ids, in either direction, over the link kinds $rels (one row).
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[:$any($rels)]-(m:Entity)
USING INDEX SEEK n:Entity(id)
RETURN collect(DISTINCT m.id) AS found
