// Monitoring records of a kind in seq order; a null filter is no filter.
MATCH (r:MonitorRecord {kind: $kind})
WHERE r.seq > $after_seq
  AND ($subjects IS NULL OR r.subject IN $subjects)
  AND ($statuses IS NULL OR r.status IN $statuses)
  AND ($ids IS NULL OR r.id IN $ids)
  AND ($min_version IS NULL OR r.version >= $min_version)
RETURN r.kind AS kind, r.id AS id, r.subject AS subject, r.status AS status, r.data AS data,
       r.due AS due, r.seq AS seq, r.version AS version
ORDER BY r.seq
LIMIT $limit
