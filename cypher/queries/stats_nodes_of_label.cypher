// __LABEL__ is a node label from graph_schema/nodes.yaml (count store, O(1)).
MATCH (n:__LABEL__)
RETURN count(n) AS count
