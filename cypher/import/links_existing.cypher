// The stored links with the natural keys of a batch: (rel, from, to, and valid_from as ISO
// text), as one row (a row per link cost the driver more than the server its seeks). One
// plan only: a seek of the link's start and an expansion from it. The end is matched by
// its id on the expanded links, never through an index of its own, and the seek is forced:
// left to the statistics, the planner sometimes read the whole id index per row instead —
// a fresh index counts as empty until Neo4j samples it again, so right after a first
// load's nodes a scan looked free, and 10,000 rows x 54,000 entries took minutes per
// batch. (A single OPTIONAL MATCH … CREATE upsert was tried: planned on an empty graph's
// statistics it scanned every relationship per row, and it slowed super-linearly within a
// batch.)
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
USING INDEX SEEK a:Entity(id)
MATCH (a)-[r:$(row.rel)]->(b)
WHERE b.id = row.dst
  AND (r.valid_from = date(row.valid_from) OR (r.valid_from IS NULL AND row.valid_from IS NULL))
RETURN collect({i: row.i, element_id: elementId(r), valid_to: r.valid_to, share: r.share})
       AS found
