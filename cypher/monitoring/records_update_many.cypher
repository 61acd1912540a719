// The outbox worker's results of one pass ($rows: {key, status, data}), in one transaction.
UNWIND $rows AS row
MATCH (r:MonitorRecord {key: row.key})
SET r.status = row.status, r.data = row.data
