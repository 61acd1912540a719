// Enterprises a published list names without a unified code: by the older organisation code
// (the org_code prop, or characters 9-17 of the unified code), the registration number
// (reg_code prop), or exactly the normalised name. (how, value, id) per match.
CALL {
  UNWIND $names AS name
  MATCH (n:Entity {norm_name: name})
  WHERE n.type = 'enterprise'
  RETURN 'name' AS how, name AS value, n.id AS id
  UNION
  MATCH (n:Entity)
  WHERE size($org_codes) > 0 AND n.type = 'enterprise' AND (n.org_code IN $org_codes OR substring(n.id, 8, 9) IN $org_codes)
  RETURN 'org_code' AS how, coalesce(CASE WHEN n.org_code IN $org_codes THEN n.org_code END, substring(n.id, 8, 9)) AS value, n.id AS id
  UNION
  MATCH (n:Entity)
  WHERE size($reg_codes) > 0 AND n.type = 'enterprise' AND n.reg_code IN $reg_codes
  RETURN 'reg_code' AS how, n.reg_code AS value, n.id AS id
}
RETURN how, value, id
