// Stored nodes whose type, name or properties changed: `properties` replaces all they had
// (a property dropped from the record is dropped here too); the first-load number stays.
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
USING INDEX SEEK n:Entity(id)
WITH n, row, n.seq AS seq
SET n = row.properties
SET n.seq = seq
REMOVE n:$(row.drop_labels)
SET n:$(row.label)
