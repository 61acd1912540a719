// __REL__ is a link kind from graph_schema/links.yaml (count store, O(1)).
MATCH ()-[r:__REL__]->()
RETURN count(r) AS count
