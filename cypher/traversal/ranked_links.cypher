// Each party's first $limit links in display order — still holding first, then the
// schema's order of link kinds ($ranks), the other party's id, the latest first — and how
// many it has: the sort and the cap run on the server, so a hub ships $limit rows.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
CALL (n) {
  MATCH (n)-[r:$any($rels)]-(m:Entity)
  WHERE $as_of IS NULL
     OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
         AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
  WITH DISTINCT r, m, startNode(r) = n AS out
  ORDER BY r.valid_to IS NOT NULL, $ranks[type(r)], m.id,
           coalesce(r.valid_from, date('0001-01-01')) DESC,
           CASE WHEN out THEN n.id ELSE m.id END
  LIMIT $limit
  RETURN collect({rel: type(r),
                  src: CASE WHEN out THEN n.id ELSE m.id END,
                  dst: CASE WHEN out THEN m.id ELSE n.id END,
                  valid_from: r.valid_from, valid_to: r.valid_to, share: r.share}) AS links
}
RETURN id, links,
       COUNT { MATCH (n)-[r:$any($rels)]-(:Entity)
               WHERE $as_of IS NULL
                  OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                      AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
               RETURN DISTINCT r } AS total
