// Links retracted by identity resolution, by their natural key (rel, from, to, valid_from);
// planned as links_existing is, and for the same reason.
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
USING INDEX SEEK a:Entity(id)
MATCH (a)-[r:$(row.rel)]->(b)
WHERE b.id = row.dst
  AND (r.valid_from = row.valid_from OR (r.valid_from IS NULL AND row.valid_from IS NULL))
DELETE r
RETURN a.id AS src, row.rel AS rel, b.id AS dst
