// The stored version of the events a batch brings, as one row.
UNWIND $ids AS id
MATCH (e:Event {id: id})
USING INDEX SEEK e:Event(id)
RETURN collect({id: e.id, kind: e.kind, subject: e.subject, date: e.date, props: e.props})
       AS found
