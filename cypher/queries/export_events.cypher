MATCH (e:Event)
RETURN e.id AS id, e.kind AS kind, e.subject AS subject, e.date AS date, e.props AS props
ORDER BY e.date, e.id
