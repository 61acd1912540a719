// Events whose subject is one of $ids (a change there may change what they derive), as one row.
UNWIND $ids AS id
MATCH (e:Event {subject: id})
RETURN collect({id: e.id, kind: e.kind, subject: e.subject, date: e.date, props: e.props})
       AS found
