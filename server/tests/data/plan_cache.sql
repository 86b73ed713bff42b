-- Statements repeated with different constants: from the third run on, PGLiteDB answers them from its
-- simple-protocol plan cache. The answers must be what PostgreSQL gives for the original text.
create table pc (id int primary key, s int2, b int8, t text, n numeric);
insert into pc values (1, 1, 10, 'x', 1.5);
insert into pc values (2, 2, 20, 'y', 2.5);
insert into pc values (3, 3, 30, 'it''s', 3.5);
insert into pc values (4, 4, 40, 'w', 4.5);
-- int2 * int4 is int4: a parameter typed by context would make it int2, and 40000 would overflow.
select id, s * 20000 from pc where id = 1;
select id, s * 20000 from pc where id = 2;
select id, s * 20000 from pc where id = 3;
select id, s * 20000 from pc where id = 4;
-- A constant that outgrows the cached parameter's type runs the ordinary way.
select id, s + 1 from pc where id = 2;
select id, s + 1 from pc where id = 3;
select id, s + 1 from pc where id = 4;
select id, s + 1 from pc where id = 3000000000;
select id, s + 1 from pc where id = 2.0;
select id, s + 1 from pc where id = 2.5;
-- ORDER BY ordinals stay ordinals.
select id, t from pc where id > 0 order by 2 desc limit 2;
select id, t from pc where id > 1 order by 2 desc limit 2;
select id, t from pc where id > 2 order by 2 desc limit 2;
select id, t from pc where id > 0 order by 1 desc limit 2;
-- Strings, with quotes inside.
select id from pc where t = 'x';
select id from pc where t = 'y';
select id from pc where t = 'it''s';
select id from pc where t = 'nope';
-- Updates with a negative delta (pgbench's shape), then the sum.
update pc set b = b + -5 where id = 1;
update pc set b = b + 7 where id = 2;
update pc set b = b + -9 where id = 3;
update pc set b = b + 100 where id = 4;
select sum(b) from pc;
-- DDL after caching: the same shape sees the new column.
select * from pc where id = 1;
select * from pc where id = 2;
select * from pc where id = 3;
alter table pc add column extra int default 7;
select * from pc where id = 4;
-- Settings after caching: DateStyle changes the output of the same shape.
create table pd (id int primary key, d date);
insert into pd values (1, '2024-03-01');
insert into pd values (2, '2024-03-02');
insert into pd values (3, '2024-03-03');
select d from pd where id = 1;
select d from pd where id = 2;
select d from pd where id = 3;
set datestyle = 'German';
select d from pd where id = 1;
insert into pd values (4, '05.04.2024');
insert into pd values (5, '06.04.2024');
insert into pd values (6, '07.04.2024');
select d from pd where id = 4;
select d from pd where id = 5;
select d from pd where id = 6;
-- Errors from a cached shape are the original's errors.
select id / 0 from pc where id = 1;
select id / 0 from pc where id = 2;
select id / 0 from pc where id = 3;
select id, s * 20000 from pc where s = 4;
