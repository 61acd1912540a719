// Which links of a batch are stored, by their natural keys (rel, from, to, valid_from):
// the positions of those stored as they are ($rows' valid_to and share), and the element
// ids of those stored otherwise. Compared here so that a reload of unchanged links ships a
// list of numbers (the driver's per-record cost, not the server, dominated a row per link).
// Planned as index seeks on both ends and an expansion between them. (A single
// OPTIONAL MATCH … CREATE upsert was tried: planned on an empty graph's statistics it
// scanned every relationship per row, and it slowed super-linearly within a batch.)
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})-[r:$(row.rel)]->(b:Entity {id: row.dst})
WHERE r.valid_from = row.valid_from OR (r.valid_from IS NULL AND row.valid_from IS NULL)
WITH row, r,
     coalesce(r.valid_to = row.valid_to, r.valid_to IS NULL AND row.valid_to IS NULL)
     AND coalesce(r.share = row.share, r.share IS NULL AND row.share IS NULL) AS same
RETURN collect(CASE WHEN same THEN row.i END) AS unchanged,
       collect(CASE WHEN NOT same THEN {i: row.i, element_id: elementId(r)} END) AS changed
