"""The domain: identifiers, names, periods and the records of the graph."""
