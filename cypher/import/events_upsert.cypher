// $rows: {id, subject, lifts, properties}. The subject and lifts properties are what
// is read; CONCERNS and LIFTS make the same facts visible in Neo4j Browser.
UNWIND $rows AS row
MERGE (e:Event {id: row.id})
SET e = row.properties
WITH e, row
CALL (e) {
  OPTIONAL MATCH (e)-[old:CONCERNS|LIFTS]->()
  DELETE old
}
CALL (e, row) {
  MATCH (s:Entity {id: row.subject})
  USING INDEX SEEK s:Entity(id)
  CREATE (e)-[:CONCERNS]->(s)
}
CALL (e, row) {
  MATCH (t:Event {id: row.lifts})
  USING INDEX SEEK t:Event(id)
  CREATE (e)-[:LIFTS]->(t)
}
// a lift written before the event it lifts
CALL (e) {
  MATCH (l:Event {lifts: e.id})
  USING INDEX SEEK l:Event(lifts)
  MERGE (l)-[:LIFTS]->(e)
}
