// New nodes: `properties` holds the record and `seq` its first-load number.
UNWIND $rows AS row
CREATE (n:Entity:$(row.label))
SET n = row.properties
