// What re-derived events had derived before (monitoring compares it with what they derive now).
UNWIND $event_ids AS event_id
MATCH (r:Restriction {event_id: event_id})
RETURN r.data AS data
