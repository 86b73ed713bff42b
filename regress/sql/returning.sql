-- INSERT/UPDATE/DELETE ... RETURNING and multi-column assignment.
CREATE TABLE ret (id int PRIMARY KEY, a int, b text DEFAULT 'dflt');
INSERT INTO ret VALUES (1, 10, 'x'), (2, 20, 'y') RETURNING *;
INSERT INTO ret AS r VALUES (3, 30) RETURNING r.id, a * 2 AS dbl, b || '!';
INSERT INTO ret (id, a) SELECT 4, 40 RETURNING id, b;
INSERT INTO ret VALUES (5, 50, 'v') RETURNING ret.*, 'const';
INSERT INTO ret VALUES (6, 60, 'w') RETURNING count(*);
INSERT INTO ret VALUES (6, 60, 'w') RETURNING nosuch;
UPDATE ret SET a = a + 1 WHERE id = 1 RETURNING id, a, a > 10 AS big;
UPDATE ret t SET (a, b) = (0, 'q') WHERE t.id = 3 RETURNING *;
UPDATE ret SET (a, b) = ROW(5, 'r') WHERE id = 4 RETURNING a, b;
UPDATE ret SET (a, b) = (DEFAULT, DEFAULT) WHERE id = 5 RETURNING *;
UPDATE ret SET (a, b) = (1) WHERE id = 4;
UPDATE ret SET (a, b) = (1, 2, 3) WHERE id = 4;
UPDATE ret SET (a, a) = (1, 2) WHERE id = 4;
UPDATE ret SET a = 7 WHERE id = 99 RETURNING *;
DELETE FROM ret WHERE id = 1 RETURNING *;
DELETE FROM ret d WHERE d.id = 2 RETURNING d.b, upper(d.b);
DELETE FROM ret WHERE id > 100 RETURNING id;
SELECT * FROM ret ORDER BY id;
BEGIN;
DELETE FROM ret WHERE id = 3 RETURNING id;
ROLLBACK;
SELECT count(*) FROM ret;
DROP TABLE ret;
-- Through a partitioned table: each partition the statement touches answers.
CREATE TABLE ret_p (a int, b text) PARTITION BY RANGE (a);
CREATE TABLE ret_p1 PARTITION OF ret_p FOR VALUES FROM (0) TO (10);
CREATE TABLE ret_p2 PARTITION OF ret_p FOR VALUES FROM (10) TO (20);
INSERT INTO ret_p VALUES (1, 'x'), (11, 'y') RETURNING *;
UPDATE ret_p SET b = 'z' WHERE a = 1 RETURNING *;
UPDATE ret_p SET b = b || '!' RETURNING a, b;
DELETE FROM ret_p WHERE a = 11 RETURNING *;
SELECT * FROM ret_p ORDER BY a;
DROP TABLE ret_p;

-- the target's name alone is its whole row
create table wr (a text, b int, c numeric, d int);
insert into wr values ('b', 15, 105, 16), ('b', 17, 105, 19), ('a', 1, 2, 3);
UPDATE wr set c = 95 WHERE a = 'b' and b > 10 returning (wr), *;
UPDATE wr AS t set c = 96 WHERE a = 'a' returning t, t.a;
delete from wr where b = 15 returning wr;
insert into wr values ('x', NULL, 1.5, NULL) returning (wr);
drop table wr;
