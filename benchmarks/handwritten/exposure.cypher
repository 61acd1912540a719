// Every link (kinds __RELS__, holding on $as_of) touching a party less than 2 links from
// $root: the parties within 1 link by a variable-length match with DISTINCT ends (which
// Neo4j plans as a pruning breadth-first expand), then their links. No parties cap.
MATCH (root:Entity {id: $root})-[rs:__RELS__*0..1]-(n:Entity)
WHERE all(r IN rs WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of)
                    AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
WITH DISTINCT n
MATCH (n)-[r:__RELS__]-(:Entity)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of)
  AND (r.valid_to IS NULL OR r.valid_to >= $as_of)
WITH DISTINCT r
RETURN collect({rel: type(r), src: startNode(r).id, dst: endNode(r).id,
                valid_from: r.valid_from, valid_to: r.valid_to, share: r.share}) AS links
