// Recorded by `creditgraph migrate` after each step.
MATCH (m:CreditgraphMeta {key: 'store'})
SET m.schema_version = $schema_version
