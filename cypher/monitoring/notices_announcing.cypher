// The open notices announcing one of $restriction_ids (the restriction a notice announces is
// its `restriction`, indexed): what a write that lifts those restrictions withdraws.
UNWIND $restriction_ids AS restriction
MATCH (r:MonitorRecord {restriction: restriction})
WHERE r.kind = $kind AND r.status IN $statuses
RETURN r.kind AS kind, r.id AS id, r.subject AS subject, r.status AS status, r.data AS data,
       r.due AS due, r.seq AS seq, r.version AS version
