// After a recompute: restrictions whose event no longer exists.
MATCH (r:Restriction)
WHERE NOT EXISTS { MATCH (e:Event {id: r.event_id}) USING INDEX SEEK e:Event(id) }
DETACH DELETE r
