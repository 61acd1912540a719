UNWIND $rows AS row
MERGE (n:Entity {id: row.id})
SET n:$(row.label), n.type = row.type, n.name = row.name, n.props = row.props
