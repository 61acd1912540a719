MATCH (m:CreditgraphMeta {key: 'store'})
RETURN m.version AS version
