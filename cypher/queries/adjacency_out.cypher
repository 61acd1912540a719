// Temporal adjacency: links leaving the nodes, of the kinds $rels; with $as_of, only
// those holding that day (an unknown start counts as held, as in the embedded store).
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r:$any($rels)]->(m:Entity)
USING INDEX SEEK n:Entity(id)
WHERE $as_of IS NULL
   OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
       AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
RETURN id AS anchor, type(r) AS rel, n.id AS src, m.id AS dst,
       toString(r.valid_from) AS valid_from, toString(r.valid_to) AS valid_to, r.share AS share
