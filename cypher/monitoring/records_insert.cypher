// Monitoring records ($rows: {key, kind, id, version, subject, status, due, data, restriction}),
// numbered
// in order. A record whose key (kind|id) exists is left as it is: ids are idempotency keys.
MERGE (m:CreditgraphMeta {key: 'monitor'})
  ON CREATE SET m.seq = 0
WITH m, m.seq AS first
SET m.seq = first + size($rows)
WITH first
UNWIND range(0, size($rows) - 1) AS i
WITH first + i + 1 AS seq, $rows[i] AS row
OPTIONAL MATCH (existing:MonitorRecord {key: row.key})
WITH seq, row WHERE existing IS NULL
CREATE (r:MonitorRecord {
  key: row.key, kind: row.kind, id: row.id, seq: seq, version: row.version,
  subject: row.subject, status: row.status, due: row.due, data: row.data,
  restriction: row.restriction
})
RETURN count(r) AS created
