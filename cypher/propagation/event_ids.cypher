// Every event, for a full recompute.
MATCH (e:Event)
RETURN e.id AS id
ORDER BY id
