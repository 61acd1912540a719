// Wait until new indexes are online (seconds).
CALL db.awaitIndexes($timeout)
