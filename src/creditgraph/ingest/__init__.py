"""Import of contract JSON Lines records: parsing, validation with reasons, and loading."""
