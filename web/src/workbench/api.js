// Every GraphQL operation the workbench sends lives in this module, so that a change of
// the API (Relay ids, connections, mutation inputs) is adapted here and nowhere else.

const SESSION_KEY = "creditgraph.apiKey";
const SESSION_PURPOSE = "creditgraph.purpose";

export const session = {
  get key() { return sessionStorage.getItem(SESSION_KEY) || ""; },
  set key(value) { sessionStorage.setItem(SESSION_KEY, value || ""); },
  get purpose() { return sessionStorage.getItem(SESSION_PURPOSE) || ""; },
  set purpose(value) { sessionStorage.setItem(SESSION_PURPOSE, value || ""); },
  clear() { sessionStorage.removeItem(SESSION_KEY); sessionStorage.removeItem(SESSION_PURPOSE); },
};

export class ApiError extends Error {
  constructor(message, code) { super(message); this.code = code; }
}

export function headers() {
  const h = { "Content-Type": "application/json" };
  if (session.key) h.Authorization = `Bearer ${session.key}`;
  // HTTP headers are ASCII: a purpose in Chinese travels percent-encoded (the server decodes)
  if (session.purpose) h["X-Purpose"] = encodeURIComponent(session.purpose);
  return h;
}

// the names of parties known by id only (an event's authority)
export const NAMES = `query($ids: [ID!]!) { nodes(ids: $ids) { id name } }`;

export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST", headers: headers(), body: JSON.stringify({ query, variables }),
  });
  let body;
  try { body = await response.json(); } catch { throw new ApiError(`HTTP ${response.status}`, "HTTP"); }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, (first.extensions || {}).code || "ERROR");
  }
  return body.data;
}

const LINK = "rel from to validFrom validTo share";
const NODE = `id name type ... on Enterprise { status kind established } ... on Person { idNumberMasked aliases listed }`;
const RESTRICTION = `id subject measure from until rule legalBasis certainty status scheduledUntil endedBy voidedBy
  event { id kind subject date } path { node rel validFrom validTo }`;

const RESOLUTION = `entry name outcome candidates { person certainty evidence verdict } excluded { person reason }`;

export const VIEWER = `{ viewer { principal role rights openLocalMode } }`;

// identity numbers are looked up exactly (stewards); the server never echoes them back
export const PERSON_BY_ID_NUMBER = `query PersonByIdNumber($n: String!) {
  person(idNumber: $n) { id name type idNumberMasked aliases listed } }`;

// a person's first offices beside the name: two same-name persons told apart at a glance
const OFFICES = `offices: links(rels: [LEGAL_REPRESENTATIVE, PRINCIPAL, DIRECTOR, SUPERVISOR, MANAGER, SHAREHOLDER],
  direction: OUT, first: 2) { rel target { name } }`;
export const SEARCH = `query Search($q: String!, $first: Int) {
  search(query: $q, first: $first) { edges { node { ${NODE} ... on Person { ${OFFICES} } } } pageInfo { hasNextPage } } }`;

// The credit file's lists are Relay connections, read a page at a time (加载更多): a hub
// with thousands of links must not be read whole to open its file.
export const PAGE_SIZE = 50;
const LINKS_PAGE = `linksConnection(first: $first, after: $linksAfter) { totalCount
    pageInfo { hasNextPage endCursor } edges { node { ${LINK} source { id name type } target { id name type } } } }`;
const EVENTS_PAGE = `eventsConnection(first: $first, after: $eventsAfter) { totalCount
    pageInfo { hasNextPage endCursor } edges { node { id kind subject date authority document note responsible lifts details } } }`;
const RESTRICTIONS_PAGE = `restrictionsConnection(first: $first, after: $restrictionsAfter) { totalCount
    pageInfo { hasNextPage endCursor } edges { node { ${RESTRICTION} } } }`;

export const CREDIT_FILE = `query CreditFile($id: ID!, $first: Int!, $linksAfter: String, $eventsAfter: String, $restrictionsAfter: String) {
  node(id: $id) { ${NODE}
    ... on Person { resolution { ${RESOLUTION} } }
    ${LINKS_PAGE} ${EVENTS_PAGE} ${RESTRICTIONS_PAGE}
  } }`;

// the next page of one of the credit file's lists
export const MORE = {
  links: `query MoreLinks($id: ID!, $first: Int!, $linksAfter: String) { node(id: $id) { id ${LINKS_PAGE} } }`,
  events: `query MoreEvents($id: ID!, $first: Int!, $eventsAfter: String) { node(id: $id) { id ${EVENTS_PAGE} } }`,
  restrictions: `query MoreRestrictions($id: ID!, $first: Int!, $restrictionsAfter: String) { node(id: $id) { id ${RESTRICTIONS_PAGE} } }`,
};

// a steward's verdict on a published entry (a) and a registry person (b)
export const JUDGE_MATCH = `mutation JudgeMatch($a: ID!, $b: ID!, $verdict: MatchVerdict!, $why: String) {
  judgeMatch(a: $a, b: $b, verdict: $verdict, why: $why) { ${RESOLUTION} } }`;

// a decision as the credit file shows it: the verdict, its last day, the measures behind it
const VERDICT = "decision until reasons { measure }";
export const DECISIONS = `query Decisions($person: ID!) {
  lr: checkAppointment(personId: $person, role: LEGAL_REPRESENTATIVE) { ${VERDICT} }
  director: checkAppointment(personId: $person, role: DIRECTOR) { ${VERDICT} }
  supervisor: checkAppointment(personId: $person, role: SUPERVISOR) { ${VERDICT} }
  manager: checkAppointment(personId: $person, role: MANAGER) { ${VERDICT} }
  principal: checkAppointment(personId: $person, role: PRINCIPAL) { ${VERDICT} }
  procurement: checkEligibility(subjectId: $person, activity: GOV_PROCUREMENT) { ${VERDICT} }
  bidding: checkEligibility(subjectId: $person, activity: BIDDING) { ${VERDICT} }
  consumption: checkEligibility(subjectId: $person, activity: HIGH_CONSUMPTION) { ${VERDICT} }
  funding: checkEligibility(subjectId: $person, activity: GOV_FUNDING) { ${VERDICT} } }`;

export const ELIGIBILITY = `query Eligibility($id: ID!) {
  procurement: checkEligibility(subjectId: $id, activity: GOV_PROCUREMENT) { ${VERDICT} }
  bidding: checkEligibility(subjectId: $id, activity: BIDDING) { ${VERDICT} }
  consumption: checkEligibility(subjectId: $id, activity: HIGH_CONSUMPTION) { ${VERDICT} }
  funding: checkEligibility(subjectId: $id, activity: GOV_FUNDING) { ${VERDICT} } }`;

export const NEIGHBORHOOD = `query Neighborhood($id: ID!, $depth: Int!, $rels: [Rel!], $asOf: Date, $limit: Int!, $on: Date) {
  neighborhood(id: $id, depth: $depth, rels: $rels, asOf: $asOf, perNodeLimit: $limit) {
    root nodes { ${NODE} } underMeasure(on: $on)
    links { ${LINK} } truncated { node total shown } } }`;

export const PATHS = `query Paths($a: ID!, $b: ID!, $k: Int!, $maxHops: Int!, $asOf: Date) {
  kShortestPaths(fromId: $a, toId: $b, k: $k, maxHops: $maxHops, asOf: $asOf) {
    length nodes { ${NODE} } hops { from to links { ${LINK} } } } }`;

export const NODE_TYPE = `query($id: ID!) { node(id: $id) { id type } }`;

export const OWNERSHIP = `query Ownership($id: ID!, $asOf: Date) {
  node(id: $id) { id name type }
  ownershipTree(enterpriseId: $id, asOf: $asOf) {
    chain level effectiveShare crossHolding holder { ${NODE} } link { ${LINK} } }
  beneficialOwners(enterpriseId: $id, asOf: $asOf) {
    person { id name } effectiveShare reasons incomplete }
  ownershipCycles(id: $id, asOf: $asOf) { nodes links { ${LINK} } } }`;

export const RISK = `query Risk($id: ID!, $depth: Int!, $asOf: Date) {
  node(id: $id) { id name type }
  exposure(id: $id, depth: $depth, asOf: $asOf) {
    node { ${NODE} } distance active
    path { length nodes { id name type } hops { from to links { ${LINK} } } }
    events { id kind date document }
    restrictions { measure from until rule legalBasis certainty } }
  relatedGroups(id: $id, depth: 2, asOf: $asOf) {
    groups { community enterprises { id name } ties { a b kind via { id name } links { ${LINK} } } }
    truncated { node total shown } } }`;

export async function downloadReport(id, asOf) {
  const params = asOf ? `?asOf=${encodeURIComponent(asOf)}` : "";
  const response = await fetch(`/report/${encodeURIComponent(id)}.pdf${params}`, { headers: headers() });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    throw new ApiError(message, "REPORT");
  }
  return response.blob();
}
