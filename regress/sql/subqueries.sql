-- Subqueries in expressions: scalar, EXISTS, IN / NOT IN with NULLs, ANY/ALL, correlated ones,
-- ARRAY(...), and the 21000 error.
CREATE TABLE sa (id int PRIMARY KEY, x int);
CREATE TABLE sb (id int PRIMARY KEY, aid int, v int);
INSERT INTO sa VALUES (1, 10), (2, 20), (3, NULL), (4, 40);
INSERT INTO sb VALUES (1, 1, 5), (2, 1, 6), (3, 2, 7), (4, 5, 8), (5, NULL, 9);
SELECT id, (SELECT count(*) FROM sb WHERE sb.aid = sa.id) AS n FROM sa ORDER BY id;
SELECT id, (SELECT max(v) FROM sb WHERE sb.aid = sa.id) FROM sa ORDER BY id;
SELECT id FROM sa WHERE EXISTS (SELECT 1 FROM sb WHERE sb.aid = sa.id) ORDER BY id;
SELECT id FROM sa WHERE NOT EXISTS (SELECT 1 FROM sb WHERE sb.aid = sa.id) ORDER BY id;
SELECT id FROM sa WHERE id IN (SELECT aid FROM sb) ORDER BY id;
SELECT id FROM sa WHERE id NOT IN (SELECT aid FROM sb) ORDER BY id;
SELECT id FROM sa WHERE id NOT IN (SELECT aid FROM sb WHERE aid IS NOT NULL) ORDER BY id;
SELECT id, x IN (SELECT v * 2 FROM sb) AS hit FROM sa ORDER BY id;
SELECT (SELECT x FROM sa WHERE id = 1);
SELECT (SELECT x FROM sa WHERE id = 99);
SELECT (SELECT x FROM sa);
SELECT id FROM sa WHERE x > ALL (SELECT x FROM sa WHERE x IS NOT NULL AND id < 3) ORDER BY 1;
SELECT id FROM sa WHERE x = ANY (SELECT v * 2 FROM sb) ORDER BY 1;
SELECT id FROM sa WHERE x < SOME (SELECT v * 4 FROM sb) ORDER BY 1;
SELECT id, x > ALL (SELECT x FROM sa s2 WHERE s2.id <> sa.id) AS biggest FROM sa ORDER BY 1;
SELECT ARRAY(SELECT id FROM sa ORDER BY id DESC);
SELECT * FROM sa WHERE id = (SELECT aid FROM sb WHERE id = 3);
SELECT (1, 2) IN (SELECT aid, id FROM sb) AS r1, (1, 3) IN (SELECT aid, id FROM sb) AS r2;
SELECT id, (SELECT sum(v) FROM sb WHERE sb.aid IN (SELECT s2.id FROM sa s2 WHERE s2.x <= sa.x)) FROM sa ORDER BY 1;
SELECT count(*) FROM sa WHERE EXISTS (SELECT 1 FROM sb);
SELECT exists(SELECT 1 FROM sb WHERE v > 8), exists(SELECT 1 FROM sb WHERE v > 9);
-- Errors.
SELECT (SELECT id, x FROM sa);
SELECT id FROM sa WHERE id IN (SELECT id, x FROM sa);
SELECT id FROM sa WHERE (SELECT aid FROM sb) = 1;
