// Derived restrictions; with $active_on, only those in force that day (not void).
MATCH (r:Restriction)
WHERE ($measure IS NULL OR r.measure = $measure)
  AND ($active_on IS NULL
       OR (r.voided_by IS NULL AND r.start <= $active_on
           AND (r.until IS NULL OR r.until >= $active_on)))
RETURN r.data AS data
ORDER BY r.id
