MATCH (m:CreditgraphMeta {key: 'store'})
SET m.version = m.version + 1
RETURN m.version AS version
