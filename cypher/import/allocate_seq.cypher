// Reserve first-load numbers for $nodes new nodes (under the writer lock).
MATCH (m:CreditgraphMeta {key: 'store'})
WITH m, m.node_seq AS nodes_from
SET m.node_seq = nodes_from + $nodes
RETURN nodes_from
