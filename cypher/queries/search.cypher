// Nodes whose id equals $exact_id, whose normalised name contains $text, or — when $pinyin —
// whose pinyin keys (name_keys, "|k1|k2|": initials and full pinyin, see
// creditgraph.domain.pinyin) contain $text. Ranked as the embedded store ranks them: the
// exact id, the exact name, names starting with the text, names containing it, then a whole
// pinyin key, a key's beginning, the text anywhere in a key; shorter names first within a
// rank. TEXT indexes answer both CONTAINS; $text is $normalised with ASCII lowercased, as
// the embedded store's LIKE matches.
CALL () {
  MATCH (n:Entity)
  WHERE n.id = $exact_id OR n.norm_name CONTAINS $text
  RETURN n, CASE WHEN n.id = $exact_id THEN 0 WHEN n.norm_name = $normalised THEN 1
                 WHEN n.norm_name STARTS WITH $normalised THEN 2 ELSE 3 END AS rank
  UNION
  MATCH (n:Entity)
  WHERE $pinyin AND n.name_keys CONTAINS $text
  RETURN n, CASE WHEN n.name_keys CONTAINS ('|' + $text + '|') THEN 4
                 WHEN n.name_keys CONTAINS ('|' + $text) THEN 5 ELSE 6 END AS rank
}
WITH n, min(rank) AS rank
RETURN n.id AS id, n.type AS type, n.name AS name, n.props AS props
ORDER BY rank, size(n.norm_name), n.id
SKIP $offset LIMIT $limit
