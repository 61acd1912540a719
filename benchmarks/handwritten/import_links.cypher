UNWIND $rows AS row
MATCH (a:Entity {id: row.src})
MATCH (b:Entity {id: row.dst})
MERGE (a)-[r:__REL__ {key: row.key}]->(b)
SET r.valid_from = row.valid_from, r.valid_to = row.valid_to, r.share = row.share
