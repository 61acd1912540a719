// What each id is: a node type, or 'event' (import resolves references with it).
UNWIND $ids AS id
OPTIONAL MATCH (n:Entity {id: id})
OPTIONAL MATCH (e:Event {id: id})
WITH id, n, e
WHERE n IS NOT NULL OR e IS NOT NULL
RETURN id, CASE WHEN e IS NOT NULL THEN 'event' ELSE n.type END AS type
