UNWIND $ids AS id
MATCH (e:Event {id: id})
USING INDEX SEEK e:Event(id)
RETURN e.id AS id, e.kind AS kind, e.subject AS subject, e.date AS date, e.props AS props
