# The creditgraph API server (workbench at /, GraphQL at /graphql, /healthz), for docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and a CJK font for the credit report PDF (WeasyPrint): the slim image has neither
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# what `pip install .` needs: the package, and the schema and Cypher files it ships
COPY pyproject.toml README.md ./
COPY src ./src
COPY graph_schema ./graph_schema
COPY cypher ./cypher
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /home/creditgraph --create-home creditgraph

USER creditgraph
WORKDIR /home/creditgraph
# Neo4j by default; NEO4J_USER / NEO4J_PASSWORD come from the environment. Binding a
# non-loopback address, the server requires CREDITGRAPH_API_KEYS.
ENV CREDITGRAPH_STORE=bolt://neo4j:7687
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["creditgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
