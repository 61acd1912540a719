"""The rules engine: rules as data (graph_schema/rules/*.yaml) and the derivation of restrictions."""
