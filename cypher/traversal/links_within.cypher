// Every link (kinds $rels, taken either way, holding on $as_of) touching a party less than
// __HOPS__ links from $root — unless more than $max_parties parties lie within __HOPS__
// links, when only that is said (too_wide) and no link is read. One breadth-first search
// on the server (ANY SHORTEST to every party reached: each party once, at its distance);
// the LIMIT stops it at the first party past the cap, so a hub costs the cap, not its size.
MATCH (root:Entity {id: $root})
CALL (root) {
  MATCH p = ANY SHORTEST (root)-[r WHERE type(r) IN $rels
                                 AND ($as_of IS NULL
                                      OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                                          AND (r.valid_to IS NULL OR r.valid_to >= $as_of)))]-{0,__HOPS__}(n:Entity)
  RETURN n, length(p) AS distance
  LIMIT $max_parties + 1
}
WITH collect(CASE WHEN distance < __HOPS__ THEN n END) AS inner, count(*) > $max_parties AS too_wide
CALL (inner, too_wide) {
  UNWIND CASE WHEN too_wide THEN [] ELSE inner END AS n
  MATCH (n)-[r:$any($rels)]-(:Entity)
  WHERE $as_of IS NULL
     OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
         AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
  WITH DISTINCT r
  RETURN collect({rel: type(r), src: startNode(r).id, dst: endNode(r).id,
                  valid_from: toString(r.valid_from), valid_to: toString(r.valid_to), share: r.share}) AS links
}
RETURN too_wide, links
