MATCH (r:Restriction)
WHERE r.id IS NOT NULL
RETURN r.data AS data
ORDER BY r.id
