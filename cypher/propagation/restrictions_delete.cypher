// Before re-deriving events: what they derived before goes.
UNWIND $event_ids AS event_id
MATCH (r:Restriction {event_id: event_id})
DETACH DELETE r
