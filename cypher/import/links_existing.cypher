// The stored links with the natural keys of a batch: (rel, from, to, valid_from).
// Planned as an index seek on one end and an expansion from it. (A single
// OPTIONAL MATCH … CREATE upsert was tried: planned on an empty graph's statistics it
// scanned every relationship per row, and it slowed super-linearly within a batch.)
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})-[r:$(row.rel)]->(b:Entity {id: row.dst})
WHERE r.valid_from = row.valid_from OR (r.valid_from IS NULL AND row.valid_from IS NULL)
RETURN row.i AS i, elementId(r) AS element_id, r.valid_to AS valid_to, r.share AS share
