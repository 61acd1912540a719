// Events whose `responsible` may name one of $ids: the props text holds each id it names in
// quotes; the caller reads the props and keeps the events whose `responsible` does name one.
// A scan of the events: asked only when persons merge or a published entry's identity links
// change.
MATCH (e:Event)
WHERE e.props CONTAINS '"responsible"'
  AND any(id IN $ids WHERE e.props CONTAINS ('"' + id + '"'))
RETURN e.id AS id, e.kind AS kind, e.subject AS subject, e.date AS date, e.props AS props
ORDER BY e.date, e.id
