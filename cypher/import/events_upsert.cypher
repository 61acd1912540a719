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
  CREATE (e)-[:CONCERNS]->(s)
}
CALL (e, row) {
  MATCH (t:Event {id: row.lifts})
  CREATE (e)-[:LIFTS]->(t)
}
// a lift written before the event it lifts
CALL (e) {
  MATCH (l:Event {lifts: e.id})
  MERGE (l)-[:LIFTS]->(e)
}
