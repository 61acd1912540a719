// Pinyin keys of stored nodes ("|k1|k2|", null for a name without Han characters): the
// migration to store version 4 (creditgraph.migrations.PINYIN_NAME_KEYS).
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
USING INDEX SEEK n:Entity(id)
SET n.name_keys = row.name_keys
