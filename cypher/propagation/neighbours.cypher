// Nodes one link away from $ids, in either direction, over the link kinds $rels (one row).
UNWIND $ids AS id
MATCH (:Entity {id: id})-[:$any($rels)]-(m:Entity)
RETURN collect(DISTINCT m.id) AS found
