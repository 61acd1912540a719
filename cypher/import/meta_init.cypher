// The store's bookkeeping node: data version, sequence counters, (optionally) the id key.
MERGE (m:CreditgraphMeta {key: 'store'})
  ON CREATE SET m.version = 0, m.node_seq = 0, m.created = datetime()
RETURN m.version AS version
