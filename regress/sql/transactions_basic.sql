--
-- Foundation: transaction control statements and their notices
--
BEGIN;
SELECT 1 AS in_txn;
COMMIT;
BEGIN;
SELECT 2 AS rolled_back;
ROLLBACK;
START TRANSACTION;
SHOW transaction_isolation;
END;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SHOW transaction_isolation;
COMMIT;
BEGIN TRANSACTION READ ONLY;
SHOW transaction_read_only;
ABORT;
-- notices outside or inside a transaction
COMMIT;
ROLLBACK;
BEGIN;
BEGIN;
COMMIT;
-- an error aborts the transaction until its end
BEGIN;
SELECT 1 / 0;
SELECT 1;
COMMIT;
SELECT 'after commit of aborted transaction' AS status;
BEGIN;
SELECT nosuchcolumn;
SELECT 1;
ROLLBACK;
-- savepoints
BEGIN;
SAVEPOINT s1;
SELECT 1 / 0;
ROLLBACK TO SAVEPOINT s1;
SELECT 'recovered' AS status;
RELEASE SAVEPOINT s1;
COMMIT;
SAVEPOINT outside;
ROLLBACK TO SAVEPOINT nosuch;
-- SET TRANSACTION must come first
BEGIN;
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
SHOW transaction_isolation;
COMMIT;
