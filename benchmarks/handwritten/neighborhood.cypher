MATCH (root:Entity {id: $id})
CALL (root) {
  MATCH (root)-[r1]-(n1:Entity)
  RETURN r1, n1 LIMIT $cap
}
CALL (n1) {
  MATCH (n1)-[r2]-(n2:Entity)
  RETURN r2, n2 LIMIT $cap
}
WITH root, collect(DISTINCT n1) + collect(DISTINCT n2) AS parties,
     collect(DISTINCT r1) + collect(DISTINCT r2) AS links
RETURN [n IN parties | {id: n.id, name: n.name, props: n.props}] AS nodes,
       [r IN links | {rel: type(r), src: startNode(r).id, dst: endNode(r).id,
                      valid_from: r.valid_from, valid_to: r.valid_to}] AS links
