// Stored nodes whose type, name or properties changed: `properties` replaces all they had
// (a property dropped from the record is dropped here too); the first-load number stays,
// and so do the name's pinyin keys when the name is the same and `properties` brings none
// (the loader works them out only for a new name).
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
USING INDEX SEEK n:Entity(id)
WITH n, row, n.seq AS seq,
     CASE WHEN n.norm_name = row.properties.norm_name THEN n.name_keys END AS kept
SET n = row.properties
SET n.seq = seq
SET n.name_keys = coalesce(row.properties.name_keys, kept)
REMOVE n:$(row.drop_labels)
SET n:$(row.label)
