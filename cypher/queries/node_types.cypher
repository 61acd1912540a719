// What each id is: a node type, or 'event' (import resolves references with it), as one
// row: a load asks this of every id it refers to.
UNWIND $ids AS id
OPTIONAL MATCH (n:Entity {id: id})
USING INDEX SEEK n:Entity(id)
OPTIONAL MATCH (e:Event {id: id})
USING INDEX SEEK e:Event(id)
WITH id, n, e
WHERE n IS NOT NULL OR e IS NOT NULL
RETURN collect({id: id, type: CASE WHEN e IS NOT NULL THEN 'event' ELSE n.type END}) AS found
