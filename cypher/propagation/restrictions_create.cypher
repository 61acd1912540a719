// Derived restrictions: `data` is the provenance JSON the embedded store keeps.
UNWIND $rows AS row
CREATE (r:Restriction)
SET r = row.properties
WITH r, row
CALL (r, row) {
  MATCH (s:Entity {id: row.subject})
  USING INDEX SEEK s:Entity(id)
  CREATE (r)-[:RESTRICTS]->(s)
}
CALL (r, row) {
  MATCH (e:Event {id: row.event_id})
  USING INDEX SEEK e:Event(id)
  CREATE (r)-[:DERIVED_FROM]->(e)
}
