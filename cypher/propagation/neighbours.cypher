// Nodes one link away from $ids, in either direction, over the link kinds $rels.
UNWIND $ids AS id
MATCH (:Entity {id: id})-[:$any($rels)]-(m:Entity)
RETURN DISTINCT m.id AS id
