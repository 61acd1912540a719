// Every shortest chain of parties joining $source and $target within __HOPS__ links, links
// of the kinds $rels taken either way and holding on $as_of; the first $first in the
// order of their id sequences, each hop with every link joining its two parties.
MATCH (a:Entity {id: $source}), (b:Entity {id: $target})
MATCH p = ALL SHORTEST (a)-[r WHERE type(r) IN $rels
                            AND ($as_of IS NULL
                                 OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                                     AND (r.valid_to IS NULL OR r.valid_to >= $as_of)))]-{1,__HOPS__}(b)
WITH DISTINCT [n IN nodes(p) | n.id] AS ids
ORDER BY ids
LIMIT $first
CALL (ids) {
  UNWIND range(0, size(ids) - 2) AS i
  MATCH (x:Entity {id: ids[i]})-[r:$any($rels)]-(y:Entity {id: ids[i + 1]})
  WHERE $as_of IS NULL
     OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
         AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
  WITH DISTINCT i, r
  RETURN collect({hop: i, rel: type(r), src: startNode(r).id, dst: endNode(r).id,
                  valid_from: toString(r.valid_from), valid_to: toString(r.valid_to), share: r.share}) AS links
}
RETURN ids, links
ORDER BY ids
