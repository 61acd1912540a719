// What interest conflicts are made of, in one statement: the offices held on $as_of by
// $official (or at $agency), what those agencies supervise, the officials' relatives, and
// the roles and holdings ($holding) of the officials and relatives in supervised enterprises.
CALL () {
  MATCH (:Entity {id: $official})-[off:OFFICIAL_OF]->(:Entity)
  RETURN off
  UNION
  MATCH (:Entity)-[off:OFFICIAL_OF]->(:Entity {id: $agency})
  WHERE $official IS NULL
  RETURN off
}
WITH off
WHERE ($agency IS NULL OR endNode(off).id = $agency)
  AND ($as_of IS NULL
       OR ((off.valid_from IS NULL OR off.valid_from <= $as_of)
           AND (off.valid_to IS NULL OR off.valid_to >= $as_of)))
WITH collect(off) AS offices
WITH offices, [o IN offices | startNode(o)] AS officials, [o IN offices | endNode(o)] AS agencies
CALL (agencies) {
  UNWIND agencies AS g
  MATCH (g)-[sup:SUPERVISES]->(:Entity)
  WHERE $as_of IS NULL
     OR ((sup.valid_from IS NULL OR sup.valid_from <= $as_of)
         AND (sup.valid_to IS NULL OR sup.valid_to >= $as_of))
  RETURN collect(DISTINCT sup) AS supervisions
}
CALL (officials) {
  UNWIND officials AS o
  MATCH (o)-[k:RELATIVE_OF]-(:Entity)
  WHERE $as_of IS NULL
     OR ((k.valid_from IS NULL OR k.valid_from <= $as_of)
         AND (k.valid_to IS NULL OR k.valid_to >= $as_of))
  RETURN collect(DISTINCT k) AS kinships
}
CALL (officials, kinships, supervisions) {
  WITH [s IN supervisions | endNode(s)] AS supervised,
       officials + [k IN kinships | startNode(k)] + [k IN kinships | endNode(k)] AS holders
  UNWIND holders AS h
  WITH DISTINCT h, supervised
  MATCH (h)-[hl:$any($holding)]->(e:Entity)
  WHERE e IN supervised
    AND ($as_of IS NULL
         OR ((hl.valid_from IS NULL OR hl.valid_from <= $as_of)
             AND (hl.valid_to IS NULL OR hl.valid_to >= $as_of)))
  RETURN collect(DISTINCT hl) AS holdings
}
UNWIND [['office', offices], ['supervision', supervisions], ['kinship', kinships],
        ['holding', holdings]] AS part
UNWIND part[1] AS r
RETURN part[0] AS part, type(r) AS rel, startNode(r).id AS src, endNode(r).id AS dst,
       toString(r.valid_from) AS valid_from, toString(r.valid_to) AS valid_to, r.share AS share
