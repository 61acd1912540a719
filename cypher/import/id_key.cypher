// The secret identity numbers are hashed with, created on first use and kept in the
// database (CREDITGRAPH_ID_KEY, when set, is used instead and nothing is stored).
MERGE (m:CreditgraphMeta {key: 'store'})
  ON CREATE SET m.version = 0, m.node_seq = 0, m.created = datetime(),
    m.schema_version = $schema_version
SET m.id_key = coalesce(m.id_key, $candidate)
RETURN m.id_key AS id_key
