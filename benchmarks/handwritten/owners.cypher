// The SHAREHOLDER / ACTUAL_CONTROLLER links (holding on $as_of) arriving at $enterprise or
// at any holder less than 10 such links up: the holders within 9 levels by a
// variable-length match with DISTINCT ends, then the links arriving at each. No parties cap.
MATCH (firm:Entity {id: $enterprise})<-[rs:SHAREHOLDER|ACTUAL_CONTROLLER*0..9]-(n:Entity)
WHERE all(r IN rs WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of)
                    AND (r.valid_to IS NULL OR r.valid_to >= $as_of))
WITH DISTINCT n
MATCH (n)<-[r:SHAREHOLDER|ACTUAL_CONTROLLER]-(:Entity)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of)
  AND (r.valid_to IS NULL OR r.valid_to >= $as_of)
RETURN collect({rel: type(r), src: startNode(r).id, dst: endNode(r).id,
                valid_from: r.valid_from, valid_to: r.valid_to, share: r.share}) AS links
