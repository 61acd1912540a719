// The nodes with a link of the kinds $rels entering one of $ids (one row): a rule that
// reads such links from $ids was reached from them (incremental maintenance).
UNWIND $ids AS id
MATCH (n:Entity {id: id})<-[:$any($rels)]-(m:Entity)
USING INDEX SEEK n:Entity(id)
RETURN collect(DISTINCT m.id) AS found
