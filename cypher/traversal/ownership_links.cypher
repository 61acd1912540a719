// The links of kinds $rels (holding on $as_of) arriving at $enterprise or at any holder
// less than __HOPS__ such links up from it — unless more than $max_parties parties hold it,
// directly or not, within __HOPS__ levels, when only that is said (too_wide) and no link is
// read. One breadth-first search up the holdings on the server (ANY SHORTEST to every
// holder: each once, at its level); the LIMIT stops it at the first holder past the cap.
MATCH (firm:Entity {id: $enterprise})
CALL (firm) {
  MATCH p = ANY SHORTEST (firm)<-[r WHERE type(r) IN $rels
                                  AND ($as_of IS NULL
                                       OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                                           AND (r.valid_to IS NULL OR r.valid_to >= $as_of)))]-{0,__HOPS__}(n:Entity)
  RETURN n, length(p) AS level
  LIMIT $max_parties + 1
}
WITH collect(CASE WHEN level < __HOPS__ THEN n END) AS held, count(*) > $max_parties AS too_wide
CALL (held, too_wide) {
  UNWIND CASE WHEN too_wide THEN [] ELSE held END AS n
  MATCH (n)<-[r:$any($rels)]-(:Entity)
  WHERE $as_of IS NULL
     OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
         AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
  RETURN collect({rel: type(r), src: startNode(r).id, dst: endNode(r).id,
                  valid_from: toString(r.valid_from), valid_to: toString(r.valid_to), share: r.share}) AS links
}
RETURN too_wide, links
