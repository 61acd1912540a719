// Derived restrictions by id (node(id:), restriction(id:)): those of $ids that exist.
UNWIND $ids AS id
MATCH (r:Restriction {id: id})
RETURN r.data AS data
