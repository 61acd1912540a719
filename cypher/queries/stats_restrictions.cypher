// Status as of $today, as Restriction.status_on computes it.
MATCH (r:Restriction)
WITH CASE
       WHEN r.voided_by IS NOT NULL THEN 'VOID'
       WHEN r.until IS NOT NULL AND (r.until < $today OR r.until < r.start) THEN 'ENDED'
       ELSE 'ACTIVE'
     END AS key
RETURN key, count(*) AS count
