-- CREATE TABLE AS and SELECT INTO: a new table with the query's columns and rows.
CREATE TABLE ctas_src (a int, b text, c numeric);
INSERT INTO ctas_src VALUES (1, 'x', 1.5), (2, 'y', NULL), (3, NULL, 2);
CREATE TABLE ctas1 AS SELECT * FROM ctas_src;
SELECT * FROM ctas1 ORDER BY a;
CREATE TABLE ctas2 AS SELECT a * 10 AS tens, b || '!' AS bang, 'lit' AS lit FROM ctas_src WHERE a > 1;
SELECT * FROM ctas2 ORDER BY tens;
SELECT tens + 1 AS next FROM ctas2 ORDER BY 1;
SELECT a, c INTO ctas3 FROM ctas_src WHERE c IS NOT NULL;
SELECT * FROM ctas3 ORDER BY a;
CREATE TABLE ctas4 AS SELECT count(*) AS n, sum(a) AS total FROM ctas_src;
SELECT * FROM ctas4;
CREATE TABLE ctas1 AS SELECT 1;
CREATE TABLE IF NOT EXISTS ctas1 AS SELECT 1;
CREATE TABLE ctas5 AS SELECT 1 AS x, 2 AS x;
CREATE TABLE ctas6 AS SELECT * FROM nosuch;
DROP TABLE ctas_src, ctas1, ctas2, ctas3, ctas4;

-- CREATE TABLE (LIKE source [INCLUDING DEFAULTS])
create table lk_src (a int not null, b text default 'x', c serial, d numeric(5,2) check (d > 0), primary key (a));
create table lk1 (like lk_src);
create table lk2 (like lk_src including defaults);
create table lk3 (like lk_nosuch);
insert into lk1 (a) values (1);
insert into lk2 (a) values (1);
select * from lk1;
select * from lk2;
insert into lk1 (b) values ('q');
create temp table lk4 (like lk_src);
drop table lk1, lk2, lk4, lk_src;
