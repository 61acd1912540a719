// One id space for the nodes of the graph, as in the import format.
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT restriction_id IF NOT EXISTS FOR (r:Restriction) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT creditgraph_meta_key IF NOT EXISTS FOR (m:CreditgraphMeta) REQUIRE m.key IS UNIQUE;
// Monitoring records (creditgraph.monitoring): kind|id is the idempotency key.
CREATE CONSTRAINT monitor_record_key IF NOT EXISTS FOR (r:MonitorRecord) REQUIRE r.key IS UNIQUE;
