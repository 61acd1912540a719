// The layout version the store was written with (null: written before versions were
// recorded, i.e. version 0); no row: no creditgraph store in this database.
MATCH (m:CreditgraphMeta {key: 'store'})
RETURN m.schema_version AS schema_version
