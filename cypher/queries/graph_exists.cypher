// Whether the store holds any node of the graph (Neo4j's count store: no scan). An empty
// one is what a first load's batches may fill without the search indexes.
MATCH (n:Entity)
RETURN count(n) > 0 AS any
