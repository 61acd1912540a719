UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
MATCH (b:Entity {id: row.dst})
MERGE (a)-[r:$(row.rel) {valid_from: row.valid_from}]->(b)
SET r.valid_to = row.valid_to, r.share = row.share
