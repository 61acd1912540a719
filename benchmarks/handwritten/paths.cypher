MATCH (a:Entity {id: $source}), (b:Entity {id: $target})
MATCH p = ALL SHORTEST (a)-[:LEGAL_REPRESENTATIVE|DIRECTOR|SUPERVISOR|MANAGER|SHAREHOLDER|ACTUAL_CONTROLLER|PRINCIPAL|BRANCH_OF|OFFICIAL_OF|SUPERVISED_BY|SUPERVISES|SUPERIOR_OF|RELATIVE_OF]-{1,6}(b)
RETURN [n IN nodes(p) | n.id] AS ids,
       [r IN relationships(p) | {rel: type(r), valid_from: r.valid_from}] AS hops
LIMIT $first
