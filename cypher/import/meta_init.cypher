// The store's bookkeeping node: data version, schema version, sequence counters,
// (optionally) the id key.
MERGE (m:CreditgraphMeta {key: 'store'})
  ON CREATE SET m.version = 0, m.node_seq = 0, m.created = datetime(),
    m.schema_version = $schema_version
RETURN m.version AS version
