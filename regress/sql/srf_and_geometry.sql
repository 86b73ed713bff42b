-- Set-returning functions in the select list (ProjectSet), over rows from every shard;
-- geometric type I/O; pg_typeof.
select generate_series(1,3);
select generate_series(1,3) as g, 'x' as c order by g desc;
select unnest(array[1,2,3]), generate_series(1,2);
select generate_series(1,0);
select 10 + generate_series(1,3) * 2;
create table srft (a int primary key, arr int[]);
insert into srft values (1, '{1,2}'), (2, '{3}'), (3, null), (4, '{}');
select a, unnest(arr) from srft order by 1, 2;
select a, generate_series(1, a) from srft order by 1, 2;
select count(*), generate_series(1, 2) from srft;
select generate_series(1, count(*)::int) from srft;
select distinct generate_series(1, a) from srft order by 1;
select generate_series(1, 3) limit 2;
select * from srft where generate_series(1,2) = 1;
select sum(generate_series(1,3));
select generate_series('2020-01-01'::timestamp, '2020-01-03', '1 day');
select generate_series(1.5, 3);
select unnest('{a,b}'::text[]) u;
select a, generate_series(1, 2) g, unnest(arr) u from srft order by a, g;
select generate_series(1, 3) from srft where a = 1;
CREATE TABLE geo_t (id int PRIMARY KEY, p point, b box, l lseg, pa path, po polygon, li line, c circle);
INSERT INTO geo_t VALUES (1, '(1,2)', '(0,0),(2,2)', '[(0,0),(1,1)]', '[(0,0),(1,1),(2,0)]',
  '((0,0),(1,1),(2,0))', '{1,-1,0}', '<(0,0),5>');
INSERT INTO geo_t VALUES (2, ' ( 1e-300 , -Inf ) ', '2,2,0,0', '(0,0),(1,1)', '(0,0,1,1)', '0,0,1,1,2,0',
  '[(0,0),(0,1)]', '((1,1),2)');
SELECT * FROM geo_t ORDER BY id;
SELECT pg_typeof(p), pg_typeof(b), pg_typeof(c), p::text FROM geo_t WHERE id = 1;
INSERT INTO geo_t (id, p) VALUES (3, '(1,2');
INSERT INTO geo_t (id, li) VALUES (3, '{0,0,1}');
SELECT '{"(1,2)","(3,4)"}'::point[], pg_typeof('{}'::int[]), pg_typeof(1.5), pg_typeof(NULL);
DROP TABLE geo_t;
DROP TABLE srft;
select regexp_split_to_table('the quick brown fox', '\s+');
select regexp_split_to_table('abc', ''), 1;
select string_to_table('a,b,,c', ','), string_to_table('x|y', '|');
select string_to_table('a,b,NULL', ',', 'NULL');
select regexp_split_to_table('AxbXc', 'x', 'i');
