// Links written in one pass: each row's stored link (same kind, ends and start) is looked
// up from its two ends, already found by id; a new one is created, a changed end date or
// share is set. Each row reports what it found — nothing (created), or the stored end date
// and share (updated or unchanged) — for the write's counts and for maintenance. A row
// whose ends are not both in the store returns nothing (the caller refuses the batch).
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
MATCH (b:Entity {id: row.dst})
CALL (a, b, row) {
  OPTIONAL MATCH (a)-[old:$(row.rel)]->(b)
  WHERE old.valid_from = row.valid_from OR (old.valid_from IS NULL AND row.valid_from IS NULL)
  RETURN old
  LIMIT 1
}
WITH a, b, row, old, old.valid_to AS was_to, old.share AS was_share
FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END |
  CREATE (a)-[r:$(row.rel)]->(b)
  SET r.valid_from = row.valid_from, r.valid_to = row.valid_to, r.share = row.share
)
FOREACH (_ IN CASE
                WHEN old IS NOT NULL
                 AND (coalesce(toString(was_to), '') <> coalesce(toString(row.valid_to), '')
                      OR coalesce(was_share, -1.0) <> coalesce(row.share, -1.0))
                THEN [1] ELSE [] END |
  SET old.valid_to = row.valid_to, old.share = row.share
)
RETURN row.i AS i, old IS NULL AS created, was_to AS valid_to, was_share AS share
