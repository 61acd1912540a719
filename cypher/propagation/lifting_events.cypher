// The events (repair, delisting, objection, revocation) that lift each of $ids.
UNWIND $ids AS lifted
MATCH (e:Event {lifts: lifted})
USING INDEX SEEK e:Event(lifts)
RETURN lifted, e.id AS id, e.kind AS kind, e.subject AS subject, e.date AS date, e.props AS props
ORDER BY lifted, id
