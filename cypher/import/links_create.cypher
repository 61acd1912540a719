// New links (their natural keys were checked under the writer lock: CREATE cannot duplicate).
// Dates come as ISO text (date(null) is null).
UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
USING INDEX SEEK a:Entity(id)
MATCH (b:Entity {id: row.dst})
USING INDEX SEEK b:Entity(id)
CREATE (a)-[r:$(row.rel)]->(b)
SET r.valid_from = date(row.valid_from), r.valid_to = date(row.valid_to), r.share = row.share
RETURN count(r) AS created
