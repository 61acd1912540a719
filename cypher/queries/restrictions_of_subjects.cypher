UNWIND $subjects AS subject
MATCH (r:Restriction {subject: subject})
WHERE ($measure IS NULL OR r.measure = $measure)
  AND ($event_id IS NULL OR r.event_id = $event_id)
  AND ($active_on IS NULL
       OR (r.voided_by IS NULL AND r.start <= $active_on
           AND (r.until IS NULL OR r.until >= $active_on)))
RETURN r.data AS data
ORDER BY r.id
