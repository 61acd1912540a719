// A new end date (ISO text) or share for stored links found by links_existing in this
// transaction.
UNWIND $rows AS row
MATCH ()-[r]->()
WHERE elementId(r) = row.element_id
SET r.valid_to = date(row.valid_to), r.share = row.share
