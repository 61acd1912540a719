MATCH (a:AuditEntry)
WHERE a.seq IS NOT NULL
RETURN a.at AS at, a.principal AS principal, a.role AS role, a.operation AS operation,
       a.ids AS ids, a.purpose AS purpose
ORDER BY a.seq DESC
SKIP $offset LIMIT $limit
