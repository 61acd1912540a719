// Restrictions a re-derivation no longer gives as they are stored (gone, or derived otherwise).
UNWIND $ids AS id
MATCH (r:Restriction {id: id})
DETACH DELETE r
