MATCH (e:Event)
RETURN e.kind AS key, count(*) AS count
