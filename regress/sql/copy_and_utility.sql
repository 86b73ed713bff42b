-- COPY in text and csv, errors with their CONTEXT, TRUNCATE, VACUUM/ANALYZE, ADD PRIMARY KEY and
-- INSERT ... SELECT: what pgbench -i and the regression suite's setup rely on.
CREATE TABLE cp (a int NOT NULL, b text, c numeric(6,2), d date DEFAULT '2020-01-01');
COPY cp FROM STDIN;
1	one	1.5	2021-02-03
2	\N	2.25	\N
3	tab\there	-3	2022-12-31
\.
COPY cp (a, b) FROM STDIN WITH (FORMAT csv);
4,"quoted, comma"
5,
6,""
\.
COPY cp (a, b, c) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER '|');
a|b|c
7|seven|7.777
\.
SELECT a, b, c, d, b IS NULL AS b_null FROM cp ORDER BY a;
COPY cp TO STDOUT;
COPY cp (a, b) TO STDOUT WITH (FORMAT csv, HEADER);
COPY (SELECT a, a * 2 AS twice FROM cp WHERE a < 3 ORDER BY a) TO STDOUT;
-- errors keep the session usable
COPY cp FROM STDIN;
8	eight	x	2020-01-01
\.
COPY cp FROM STDIN;
9	nine
\.
COPY cp FROM STDIN;
10	ten	1	2020-01-01	extra
\.
COPY cp (a, b) FROM STDIN;
\N	null key
\.
COPY cp (a, b) FROM STDIN WITH (FORMAT csv);
11,"unterminated
\.
COPY nosuch FROM STDIN;
COPY cp (nosuch) FROM STDIN;
SELECT count(*) FROM cp;
-- a failed COPY inside a block rolls back with the block
BEGIN;
COPY cp (a) FROM STDIN;
100
\.
SELECT count(*) FROM cp;
ROLLBACK;
SELECT count(*) FROM cp;
-- TRUNCATE is transactional
BEGIN;
TRUNCATE cp;
SELECT count(*) FROM cp;
ROLLBACK;
SELECT count(*) FROM cp;
TRUNCATE TABLE cp;
SELECT count(*) FROM cp;
-- INSERT ... SELECT
INSERT INTO cp (a, b) SELECT g, 'row ' || g FROM generate_series(1, 5) AS g;
INSERT INTO cp SELECT 6, 'six', 6.006;
INSERT INTO cp (a) SELECT 1, 2;
SELECT a, b, c, d FROM cp ORDER BY a;
-- VACUUM and ANALYZE
VACUUM cp;
VACUUM ANALYZE cp;
ANALYZE cp (a, b);
ANALYZE cp (nosuch);
VACUUM nosuch;
BEGIN;
VACUUM cp;
ROLLBACK;
-- ADD PRIMARY KEY moves rows to their key's shard; point lookups find them
CREATE TABLE addpk (id int, v text);
INSERT INTO addpk SELECT g, 'v' || g FROM generate_series(1, 50) AS g;
ALTER TABLE addpk ADD PRIMARY KEY (id);
SELECT v FROM addpk WHERE id = 37;
SELECT count(*), sum(id) FROM addpk;
INSERT INTO addpk VALUES (37, 'again');
ALTER TABLE addpk ADD PRIMARY KEY (v);
CREATE TABLE dup (id int, v text);
INSERT INTO dup VALUES (1, 'a'), (1, 'b');
ALTER TABLE dup ADD PRIMARY KEY (id);
CREATE TABLE nul (id int, v text);
INSERT INTO nul VALUES (NULL, 'a');
ALTER TABLE nul ADD PRIMARY KEY (id);
ALTER TABLE nul ADD PRIMARY KEY (nosuch);
DROP TABLE cp, addpk, dup, nul;
