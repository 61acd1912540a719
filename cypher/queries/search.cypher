// Nodes whose id equals $exact_id, or whose normalised name contains $text: the exact
// id first, then the exact name, then names starting with the text, then shorter
// names (the embedded store's order). TEXT index for CONTAINS; $text is $normalised
// with ASCII lowercased, as the embedded store's LIKE matches.
MATCH (n:Entity)
WHERE n.id = $exact_id OR n.norm_name CONTAINS $text
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
ORDER BY (n.id = $exact_id) DESC, (n.norm_name = $normalised) DESC,
         (n.norm_name STARTS WITH $normalised) DESC, size(n.norm_name), n.id
SKIP $offset LIMIT $limit
