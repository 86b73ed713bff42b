-- CHECK constraints: column and table forms, generated and explicit names, NULL passing,
-- INSERT/UPDATE/COPY enforcement, ALTER TABLE ADD/DROP CONSTRAINT, renames and dropped columns.
CREATE TABLE ck (
  id int PRIMARY KEY,
  qty int CHECK (qty >= 0),
  price numeric CONSTRAINT positive_price CHECK (price > 0),
  lo int,
  hi int,
  CHECK (lo <= hi),
  CHECK (hi < 1000)
);
INSERT INTO ck VALUES (1, 5, 9.99, 1, 2);
INSERT INTO ck VALUES (2, -1, 9.99, 1, 2);
INSERT INTO ck VALUES (3, 1, 0, 1, 2);
INSERT INTO ck VALUES (4, 1, 1, 5, 2);
INSERT INTO ck VALUES (5, 1, 1, 5, 2000);
-- NULL is not false: it passes.
INSERT INTO ck VALUES (6, NULL, NULL, NULL, NULL);
-- Several broken at once: the first by name is reported.
INSERT INTO ck VALUES (7, -1, -1, 9, 1);
UPDATE ck SET qty = qty - 10 WHERE id = 1;
UPDATE ck SET hi = 0 WHERE id = 1;
UPDATE ck SET qty = 0 WHERE id = 1;
SELECT * FROM ck ORDER BY id;
COPY ck FROM stdin;
8	1	1	1	1
9	-5	1	1	1
\.
SELECT count(*) FROM ck;
-- Multi-row INSERT is all or nothing.
INSERT INTO ck VALUES (10, 1, 1, 1, 1), (11, 1, 1, 3, 1);
SELECT count(*) FROM ck;
-- A CHECK must be boolean.
CREATE TABLE ck_bad (a int CHECK (a + 1));
-- Explicit duplicate names.
CREATE TABLE ck_dup (a int CONSTRAINT c1 CHECK (a > 0), b int CONSTRAINT c1 CHECK (b > 0));
-- Generated names avoid each other.
CREATE TABLE ck2 (a int CHECK (a > 0) CHECK (a < 10), b int, CHECK (a > 1), CHECK (b > 0));
INSERT INTO ck2 VALUES (0, 1);
INSERT INTO ck2 VALUES (10, 1);
INSERT INTO ck2 VALUES (1, 1);
INSERT INTO ck2 VALUES (5, 0);
INSERT INTO ck2 VALUES (5, 5);
-- ALTER TABLE: adding a constraint validates the existing rows.
ALTER TABLE ck2 ADD CONSTRAINT b_small CHECK (b < 3);
ALTER TABLE ck2 ADD CONSTRAINT b_small CHECK (b < 30);
INSERT INTO ck2 VALUES (5, 50);
ALTER TABLE ck2 ADD CONSTRAINT b_small CHECK (b < 300);
ALTER TABLE ck2 DROP CONSTRAINT b_small;
INSERT INTO ck2 VALUES (5, 50);
ALTER TABLE ck2 DROP CONSTRAINT b_small;
ALTER TABLE ck2 DROP CONSTRAINT IF EXISTS b_small;
ALTER TABLE ck2 ADD CHECK (a + b < 100);
INSERT INTO ck2 VALUES (9, 95);
-- A renamed column keeps its constraints; a dropped one takes them along.
ALTER TABLE ck2 RENAME COLUMN b TO bee;
INSERT INTO ck2 VALUES (5, -5);
ALTER TABLE ck2 DROP COLUMN bee;
INSERT INTO ck2 VALUES (5);
INSERT INTO ck2 VALUES (50);
SELECT * FROM ck2 ORDER BY a;
DROP TABLE ck;
DROP TABLE ck2;
