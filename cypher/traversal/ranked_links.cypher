// Each party's first $limit links in display order — still holding first, then the
// schema's order of link kinds ($ranks), the other party's id, the latest first — how
// many it has, the party itself, and the parties at the other end of those links (a
// picture shows them: no second round trip to fetch them). With $ahead, the same for the
// parties at the other end of those first links (the next level of a neighbourhood).
// The sort and the cap run on the server: a hub ships $limit rows.
UNWIND $ids AS id
MATCH (anchor:Entity {id: id})
CALL (anchor) {
  MATCH (anchor)-[r:$any($rels)]-(m:Entity)
  WHERE $ahead
    AND ($as_of IS NULL
         OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
             AND (r.valid_to IS NULL OR r.valid_to >= $as_of)))
  WITH DISTINCT r, m
  ORDER BY r.valid_to IS NOT NULL, $ranks[type(r)], m.id,
           coalesce(r.valid_from, date('0001-01-01')) DESC,
           startNode(r).id
  LIMIT $limit
  RETURN collect(m) AS ahead
}
UNWIND [anchor] + ahead AS n
WITH DISTINCT n
CALL (n) {
  MATCH (n)-[r:$any($rels)]-(m:Entity)
  WHERE $as_of IS NULL
     OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
         AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
  WITH DISTINCT r, m
  ORDER BY r.valid_to IS NOT NULL, $ranks[type(r)], m.id,
           coalesce(r.valid_from, date('0001-01-01')) DESC,
           startNode(r).id
  LIMIT $limit
  RETURN collect({rel: type(r), src: startNode(r).id, dst: endNode(r).id,
                  valid_from: toString(r.valid_from), valid_to: toString(r.valid_to), share: r.share}) AS links,
         collect(DISTINCT m {.id, .type, .name, .props}) AS others
}
// The total: without a day, from the node's degrees (the kinds written out: __RELS__), so a
// hub's 900 links are not read to count them (15 database hits against 8,400 at M); on a
// day, or for no kind at all (__RELS__ then names every kind, unused), each link decides.
// (CASE runs only the branch it takes; a link never joins a party to itself, so a degree
// counts each link once.)
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props, links, others,
       CASE WHEN $as_of IS NULL AND $rels <> [] THEN COUNT { (n)-[:__RELS__]-() }
            ELSE COUNT { MATCH (n)-[r:$any($rels)]-(:Entity)
                         WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of)
                           AND (r.valid_to IS NULL OR r.valid_to >= $as_of)
                         RETURN DISTINCT r }
       END AS total
