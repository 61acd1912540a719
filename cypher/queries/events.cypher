MATCH (e:Event)
WHERE $kind IS NULL OR e.kind = $kind
RETURN e.id AS id, e.kind AS kind, e.subject AS subject, e.date AS date, e.props AS props
ORDER BY e.date, e.id
