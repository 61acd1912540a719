// The links leaving a page of nodes (export sorts them by from, rel, to, valid_from).
UNWIND $ids AS id
MATCH (a:Entity {id: id})-[r:$any($rels)]->(b:Entity)
USING INDEX SEEK a:Entity(id)
RETURN a.id AS src, type(r) AS rel, b.id AS dst,
       toString(r.valid_from) AS valid_from, toString(r.valid_to) AS valid_to, r.share AS share
