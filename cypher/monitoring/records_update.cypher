MATCH (r:MonitorRecord {key: $key})
SET r.status = $status, r.data = $data
RETURN r.kind AS kind, r.id AS id, r.subject AS subject, r.status AS status, r.data AS data,
       r.due AS due, r.seq AS seq, r.version AS version
