// Search: CONTAINS on the normalised name (simplified/traditional/full-width insensitive).
CREATE TEXT INDEX entity_norm_name IF NOT EXISTS FOR (n:Entity) ON (n.norm_name);
// Search by pinyin: CONTAINS 'hxkj' on the "|k1|k2|" keys (creditgraph.domain.pinyin).
CREATE TEXT INDEX entity_name_keys IF NOT EXISTS FOR (n:Entity) ON (n.name_keys);
// Export in first-load order.
CREATE INDEX entity_seq IF NOT EXISTS FOR (n:Entity) ON (n.seq);
// Events on a subject (derivation, decisions), the lifts of an event, events by kind.
CREATE INDEX event_subject IF NOT EXISTS FOR (e:Event) ON (e.subject);
CREATE INDEX event_lifts IF NOT EXISTS FOR (e:Event) ON (e.lifts);
CREATE INDEX event_kind IF NOT EXISTS FOR (e:Event) ON (e.kind);
// Restrictions on a subject (every decision), and those derived from an event (maintenance).
CREATE INDEX restriction_subject IF NOT EXISTS FOR (r:Restriction) ON (r.subject);
CREATE INDEX restriction_event IF NOT EXISTS FOR (r:Restriction) ON (r.event_id);
CREATE INDEX audit_entry_seq IF NOT EXISTS FOR (a:AuditEntry) ON (a.seq);
// Identity keys of persons (queries/persons_by_identity): checks by identity number,
// one person per number at import, published entries resolved to persons.
CREATE TEXT INDEX person_id_keys IF NOT EXISTS FOR (n:Person) ON (n.id_keys);
CREATE INDEX person_id_hash IF NOT EXISTS FOR (n:Person) ON (n.id_hash);
// The change feed and outbox in order, and monitoring records by party (watches, notices).
CREATE INDEX monitor_record_kind_seq IF NOT EXISTS FOR (r:MonitorRecord) ON (r.kind, r.seq);
CREATE INDEX monitor_record_subject IF NOT EXISTS FOR (r:MonitorRecord) ON (r.subject);
// The notices announcing a restriction (a write that lifts it withdraws them).
CREATE INDEX monitor_record_restriction IF NOT EXISTS FOR (r:MonitorRecord) ON (r.restriction);
