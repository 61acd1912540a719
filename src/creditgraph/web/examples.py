"""creditgraph's example operations on the demo scenario: printed by ``creditgraph demo``
and opened in GraphiQL at ``/graphql``, so both show the same first steps."""

from __future__ import annotations

# (what it shows, the operation) — each runs on the demo scenario as written
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "a legal representative of a revoked enterprise: DENY, with the rule, basis, path and end date",
        """{ checkAppointment(personId: "p:zhang-wei", role: DIRECTOR) { decision until
    reasons { measure rule legalBasis from until event { kind subject date } path { node rel } } } }""",
    ),
    (
        "same name, different person: ALLOW;  closed with responsibility unknown: REVIEW",
        """{ a: checkAppointment(personId: "p:zhang-wei-2", role: DIRECTOR) { decision }
  b: checkAppointment(personId: "p:huang-lei", role: LEGAL_REPRESENTATIVE) { decision reasons { certainty } } }""",
    ),
    (
        "a bidding ban; a voided listing (objection upheld)",
        """{ a: checkEligibility(subjectId: "91310115MA1DH0046X", activity: BIDDING) { decision until }
  b: checkEligibility(subjectId: "91310115MA1YH0061C", activity: GOV_PROCUREMENT) { decision } }""",
    ),
    (
        "who really owns it: effective shares through a holding with a cross-holding, and control",
        """{ beneficialOwners(enterpriseId: "91310115MA1DH0046X") { person { name } effectiveShare reasons
    chains { nodes share control } } }""",
    ),
    (
        "how are the barred director and the official connected?",
        """{ paths(fromId: "p:zhang-wei", toId: "p:wu-gang") { length nodes { name } hops { links { rel validFrom } } } }""",
    ),
    (
        "sanctioned parties within two links; the official whose relative sits on a supervised board",
        """{ exposure(id: "91310115MA1MY0020J") { node { name } distance active events { kind date } } }
{ interestConflicts(agencyId: "g:pd-amr") { relation holder { name } enterprise { name } holding { rel } } }""",
    ),
    (
        "search in traditional characters, or by pinyin initials; the enterprise's legal "
        "representatives over time",
        """{ search(query: "華信") { edges { node { id name ... on Enterprise { status
    legalRepresentatives { source { name } validFrom validTo } } } } } }
{ search(query: "hxmy") { edges { node { id name } } } }
{ neighborhood(id: "p:zhang-wei", depth: 2) { nodes { id name type } links { rel from to } truncated { node total shown } } }""",
    ),
    (
        "graph analysis: paths beyond the shortest, suspected related groups, the ownership tree",
        """{ kShortestPaths(fromId: "p:zhang-wei", toId: "p:wu-gang", k: 3) { length nodes { name } } }
{ relatedGroups(id: "91310000MA1HX0012Q") { groups { enterprises { name } ties { kind via { name } } } } }
{ ownershipTree(enterpriseId: "91310115MA1DH0046X") { chain effectiveShare crossHolding } }""",
    ),
)


def banner_text() -> str:
    """The examples as ``demo`` prints them: a comment line, then the operation indented."""
    lines: list[str] = []
    for comment, operation in EXAMPLES:
        lines.append(f"  # {comment}")
        lines.extend(f"  {line}" for line in operation.splitlines())
    return "\n".join(lines)


def graphiql_document() -> str:
    """The examples as one GraphiQL document: each operation named, so the editor can run
    any of them (GraphiQL asks which when a document holds several)."""
    parts = [
        "# creditgraph: example operations on the demo scenario (`creditgraph demo`).",
        "# Put the cursor in an operation and press Ctrl-Enter to run it.",
        "",
    ]
    number = 0
    for comment, operation in EXAMPLES:
        parts.append(f"# {comment}")
        for block in _operations(operation):
            number += 1
            parts.append(f"query Example{number} {block}")
        parts.append("")
    return "\n".join(parts)


def _operations(text: str) -> list[str]:
    """Split a text holding one or more anonymous operations ``{ … }`` into each."""
    found, current, depth = [], "", 0
    for line in text.splitlines():
        current += (line if depth else line.lstrip()) + "\n"
        depth += line.count("{") - line.count("}")
        if depth == 0 and current.strip():
            found.append(current.rstrip())
            current = ""
    return found
