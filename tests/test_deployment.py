"""docker-compose.yml and the Dockerfile, checked as files: no Docker engine runs here.

The compose file is parsed as YAML and its contract checked (Neo4j 5.26 Community on a
named volume, auth from the environment, a health check; the API built from the
Dockerfile, waiting for a healthy Neo4j, configured by environment, API keys required).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_neo4j_service_is_5_26_community_on_a_named_volume_with_auth_and_health_check() -> None:
    compose = _compose()
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert (
        neo4j["environment"]["NEO4J_AUTH"] == "${NEO4J_USER:-neo4j}/${NEO4J_PASSWORD:-creditgraph}"
    )
    data_volume = next(v for v in neo4j["volumes"] if v.endswith(":/data"))
    assert data_volume.split(":")[0] in compose["volumes"]
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    # Neo4j Browser and Bolt stay on the host's loopback interface
    assert all(port.startswith("127.0.0.1:") for port in neo4j["ports"])


def test_api_service_waits_for_a_healthy_neo4j_and_requires_api_keys() -> None:
    api = _compose()["services"]["api"]
    assert api["build"] == "."
    assert api["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    env = api["environment"]
    assert env["CREDITGRAPH_STORE"] == "bolt://neo4j:7687"
    assert env["NEO4J_USER"].startswith("${NEO4J_USER")
    assert env["NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD")
    # ${VAR:?message}: compose refuses to start without it
    assert re.fullmatch(r"\$\{CREDITGRAPH_API_KEYS:\?.+\}", env["CREDITGRAPH_API_KEYS"])
    assert "/healthz" in " ".join(api["healthcheck"]["test"])


def test_dockerfile_installs_the_package_and_serves_on_all_interfaces() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert "pip install ." in text
    assert 'CMD ["creditgraph", "serve", "--host", "0.0.0.0"' in text
    assert "ENV CREDITGRAPH_STORE=bolt://neo4j:7687" in text
    for copied in re.findall(r"^COPY (\S+)", text, re.MULTILINE):
        assert (ROOT / copied).exists(), copied
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for needed in ("src", "graph_schema", "cypher", "pyproject.toml", "README.md"):
        assert needed not in ignored
