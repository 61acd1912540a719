// The stored version of the nodes a batch brings, to count created/updated/unchanged.
// One row holding them all: the driver's per-record cost, not the server, dominated a
// row per node (issue 14: 2.4x on a reload of 10,000 rows).
UNWIND $ids AS id
MATCH (n:Entity {id: id})
USING INDEX SEEK n:Entity(id)
RETURN collect({id: n.id, type: n.type, name: n.name, props: n.props}) AS found
