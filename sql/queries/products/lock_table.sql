-- Delete-all takes the table first, so the count it reports is what it deletes.
LOCK TABLE products IN ACCESS EXCLUSIVE MODE;
