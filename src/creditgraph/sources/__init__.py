"""Published sources: lists and registry extracts in their own columns (CSV, XLSX), turned
into contract records by the mapping files in ``graph_schema/sources/`` and loaded like
``creditgraph load`` loads JSON Lines."""
