-- Joins: comma lists, INNER/LEFT/RIGHT/FULL, USING/NATURAL, CROSS, aliases with column aliases,
-- derived tables, LATERAL, and errors. Rows spread over every shard (primary keys hash apart).
CREATE TABLE ja (id int PRIMARY KEY, x int, s text);
CREATE TABLE jb (id int PRIMARY KEY, aid int, y text);
CREATE TABLE jc (k int, v text);
INSERT INTO ja VALUES (1, 10, 'one'), (2, 20, 'two'), (3, NULL, 'three'), (4, 40, 'four');
INSERT INTO jb VALUES (1, 1, 'b1'), (2, 1, 'b2'), (3, 2, 'b3'), (4, 5, 'b4'), (5, NULL, 'b5');
INSERT INTO jc VALUES (1, 'c1'), (1, 'c1bis'), (NULL, 'cnull'), (4, 'c4');
SELECT * FROM ja JOIN jb ON ja.id = jb.aid ORDER BY jb.id;
SELECT * FROM ja INNER JOIN jb ON ja.id = jb.aid AND jb.y <> 'b2' ORDER BY jb.id;
SELECT * FROM ja, jb WHERE ja.id = jb.aid AND ja.x > 10 ORDER BY 1, 4;
SELECT ja.s, jb.y FROM ja LEFT JOIN jb ON ja.id = jb.aid ORDER BY ja.id, jb.id;
SELECT ja.s, jb.y FROM ja LEFT OUTER JOIN jb ON ja.id = jb.aid AND jb.y = 'b2' ORDER BY ja.id, jb.id;
SELECT ja.s, jb.y FROM ja LEFT JOIN jb ON ja.id = jb.aid WHERE jb.id IS NULL ORDER BY ja.id;
SELECT ja.s, jb.y FROM ja RIGHT JOIN jb ON ja.id = jb.aid ORDER BY jb.id;
SELECT ja.s, jb.y FROM ja FULL JOIN jb ON ja.id = jb.aid ORDER BY ja.id, jb.id;
SELECT * FROM ja JOIN jb USING (id) ORDER BY id;
SELECT * FROM ja NATURAL JOIN jb ORDER BY id;
SELECT id, ja.x, jb.y FROM ja FULL JOIN jb USING (id) ORDER BY id;
SELECT * FROM ja LEFT JOIN jc ON ja.id = jc.k ORDER BY ja.id, jc.v;
SELECT count(*) FROM ja CROSS JOIN jb;
SELECT count(*) FROM ja, jb, jc;
SELECT t.c1, u.* FROM ja AS t(c1, c2) JOIN jb u ON t.c1 = u.id ORDER BY 1;
SELECT * FROM (SELECT id, x * 2 AS dx FROM ja) s WHERE dx > 20 ORDER BY id;
SELECT s.* FROM (SELECT aid, count(*) AS n FROM jb GROUP BY aid) s JOIN ja ON ja.id = s.aid ORDER BY 1;
SELECT ja.id, count(jb.id), max(jb.y) FROM ja LEFT JOIN jb ON ja.id = jb.aid GROUP BY ja.id ORDER BY ja.id;
SELECT ja.id, jb.id FROM ja JOIN jb ON ja.id < jb.id WHERE ja.id > 2 ORDER BY 1, 2;
SELECT * FROM ja JOIN jb ON true WHERE ja.id = 1 ORDER BY jb.id;
SELECT * FROM (ja JOIN jb ON ja.id = jb.aid) j ORDER BY 4;
SELECT j.id, j.x FROM (ja JOIN jb USING (id)) AS j ORDER BY 1;
SELECT * FROM ja, LATERAL (SELECT jb.y FROM jb WHERE jb.aid = ja.id) l ORDER BY ja.id, l.y;
SELECT ja.id, l.* FROM ja LEFT JOIN LATERAL (SELECT max(y) AS m FROM jb WHERE jb.aid = ja.id) l ON true ORDER BY 1;
SELECT * FROM ja, generate_series(1, ja.id) g WHERE ja.id < 3 ORDER BY 1, g;
SELECT * FROM ja a1 JOIN ja a2 ON a1.x = a2.x * 2 ORDER BY 1;
SELECT ja.id, v.n FROM ja JOIN (VALUES (1, 'one'), (3, 'three')) v(n, name) ON v.name = ja.s ORDER BY 1;
-- Point lookups inside joins.
SELECT * FROM ja JOIN jb ON ja.id = jb.aid WHERE ja.id = 2;
-- Errors.
SELECT x FROM ja JOIN jb ON ja.id = jb.aid JOIN ja a2 ON true;
SELECT id FROM ja, jb;
SELECT * FROM ja, ja;
SELECT ja.nope FROM ja;
SELECT nope.x FROM ja;
SELECT * FROM ja JOIN jb USING (nope);
SELECT * FROM ja JOIN jb ON ja.id;
SELECT * FROM (SELECT 1);
SELECT ja.id FROM ja t;
