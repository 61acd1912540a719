// The names of the indexes that exist (to create only the missing ones).
SHOW INDEXES YIELD name
RETURN name
