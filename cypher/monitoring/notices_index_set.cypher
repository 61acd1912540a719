// Migration (schema version 6): each notice's `restriction`, the id of the one it announces
// ('' for a notice announcing none, so that it is not read again).
UNWIND $rows AS row
MATCH (r:MonitorRecord {key: row.key})
SET r.restriction = coalesce(row.restriction, '')
