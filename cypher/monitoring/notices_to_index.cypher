// Migration (schema version 6): the notices written before they carried the id of the
// restriction they announce, a page at a time in key order.
MATCH (r:MonitorRecord {kind: $kind})
WHERE r.restriction IS NULL AND r.key > $after
RETURN r.key AS key, r.kind AS kind, r.id AS id, r.subject AS subject, r.status AS status,
       r.data AS data, r.due AS due, r.seq AS seq, r.version AS version
ORDER BY r.key
LIMIT $limit
