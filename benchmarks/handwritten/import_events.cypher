UNWIND $rows AS row
MERGE (e:Event {id: row.id})
SET e.kind = row.kind, e.subject = row.subject, e.date = row.date, e.lifts = row.lifts,
    e.props = row.props
WITH e, row
MATCH (s:Entity {id: row.subject})
MERGE (e)-[:CONCERNS]->(s)
