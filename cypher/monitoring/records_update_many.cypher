// Many monitoring records' status and data ($rows: {key, status, data}), in one transaction:
// the outbox worker's results of one pass, or the notices a write withdraws. With $expected,
// only the records still in that status (a notice withdrawn meanwhile stays withdrawn).
UNWIND $rows AS row
MATCH (r:MonitorRecord {key: row.key})
WHERE $expected IS NULL OR r.status = $expected
SET r.status = row.status, r.data = row.data
