// Links retracted by identity resolution, by their natural key (rel, from, to, valid_from).
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})-[r:$(row.rel)]->(b:Entity {id: row.dst})
WHERE r.valid_from = row.valid_from OR (r.valid_from IS NULL AND row.valid_from IS NULL)
DELETE r
RETURN a.id AS src, b.id AS dst
