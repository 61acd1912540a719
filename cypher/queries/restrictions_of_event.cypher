MATCH (r:Restriction {event_id: $event_id})
WHERE ($measure IS NULL OR r.measure = $measure)
  AND ($active_on IS NULL
       OR (r.voided_by IS NULL AND r.start <= $active_on
           AND (r.until IS NULL OR r.until >= $active_on)))
RETURN r.data AS data
ORDER BY r.id
