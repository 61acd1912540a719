// Events whose subject is one of $ids (a change there may change what they derive).
UNWIND $ids AS id
MATCH (e:Event {subject: id})
RETURN e.id AS id, e.kind AS kind, e.subject AS subject, e.date AS date, e.props AS props
