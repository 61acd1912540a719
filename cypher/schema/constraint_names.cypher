// The names of the constraints that exist (to create only the missing ones).
SHOW CONSTRAINTS YIELD name
RETURN name
