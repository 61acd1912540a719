// Every restriction now on these subjects, inside the write (monitoring's before/after).
UNWIND $subjects AS subject
MATCH (r:Restriction {subject: subject})
RETURN r.id AS id, r.data AS data
