// Temporal adjacency either way in one pass (a breadth-first level of links_within).
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r:$any($rels)]-(m:Entity)
WHERE $as_of IS NULL
   OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
       AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
RETURN DISTINCT type(r) AS rel, startNode(r).id AS src, endNode(r).id AS dst,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.share AS share
