// The stored links with the natural keys of a batch: (rel, from, to, valid_from), as one
// row (a row per link cost the driver more than the server its seeks). Planned as index
// seeks on both ends and an expansion between them. (A single OPTIONAL MATCH … CREATE
// upsert was tried: planned on an empty graph's statistics it scanned every relationship
// per row, and it slowed super-linearly within a batch.)
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})-[r:$(row.rel)]->(b:Entity {id: row.dst})
WHERE r.valid_from = row.valid_from OR (r.valid_from IS NULL AND row.valid_from IS NULL)
RETURN collect({i: row.i, element_id: elementId(r), valid_to: r.valid_to, share: r.share})
       AS found
