// Whether the store holds any event (Neo4j's count store: no scan). Without one there is
// nothing a changed node or link can re-derive — the registry part of a first load.
MATCH (e:Event)
RETURN count(e) > 0 AS any
