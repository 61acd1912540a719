// Taken first by every writing transaction (and by export): writers are serialised,
// as the embedded store's BEGIN IMMEDIATE does, and an export sees one committed state.
MATCH (m:CreditgraphMeta {key: 'store'})
SET m.locked_at = datetime()
RETURN m.version AS version
