// $entries: {at, principal, role, operation, ids, purpose}, numbered in order.
MERGE (m:CreditgraphMeta {key: 'audit'})
  ON CREATE SET m.seq = 0
WITH m, m.seq AS first
SET m.seq = first + size($entries)
WITH first
UNWIND range(0, size($entries) - 1) AS i
WITH first + i + 1 AS seq, $entries[i] AS entry
CREATE (:AuditEntry {
  seq: seq, at: entry.at, principal: entry.principal, role: entry.role,
  operation: entry.operation, ids: entry.ids, purpose: entry.purpose
})
