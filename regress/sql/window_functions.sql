-- Window functions over rows gathered from every shard.
CREATE TABLE wemp (depname text, empno int PRIMARY KEY, salary int);
INSERT INTO wemp VALUES ('develop',10,5200),('sales',1,5000),('personnel',5,3500),('sales',4,4800),
  ('personnel',2,3900),('develop',7,4200),('develop',9,4500),('sales',3,4800),('develop',8,6000),
  ('develop',11,5200);
SELECT depname, empno, salary, sum(salary) OVER (PARTITION BY depname) FROM wemp ORDER BY depname, salary, empno;
SELECT depname, empno, salary, rank() OVER w, dense_rank() OVER w, row_number() OVER (w ORDER BY salary, empno),
       percent_rank() OVER w, cume_dist() OVER w
  FROM wemp WINDOW w AS (PARTITION BY depname ORDER BY salary) ORDER BY depname, salary, empno;
SELECT empno, salary, ntile(3) OVER (ORDER BY empno), lag(salary) OVER (ORDER BY empno),
       lead(salary, 2, -1) OVER (ORDER BY empno), first_value(salary) OVER (ORDER BY empno),
       last_value(salary) OVER (ORDER BY empno), nth_value(salary, 2) OVER (ORDER BY empno)
  FROM wemp ORDER BY empno;
SELECT empno, sum(salary) OVER (ORDER BY empno ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING),
       avg(salary) OVER (ORDER BY salary RANGE BETWEEN 500 PRECEDING AND 500 FOLLOWING),
       count(*) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW),
       max(salary) OVER (ORDER BY salary DESC RANGE BETWEEN CURRENT ROW AND 300 FOLLOWING)
  FROM wemp ORDER BY empno;
SELECT depname, sum(salary), rank() OVER (ORDER BY sum(salary) DESC) FROM wemp GROUP BY depname ORDER BY 3;
SELECT depname, sum(sum(salary)) OVER (ORDER BY depname) FROM wemp GROUP BY depname ORDER BY 1;
SELECT empno, row_number() OVER (ORDER BY salary DESC, empno) rn FROM wemp ORDER BY rn LIMIT 4;
SELECT x, sum(x) OVER (ORDER BY x), count(x) FILTER (WHERE x % 2 = 0) OVER () FROM generate_series(1, 5) x;
SELECT row_number() OVER () FROM wemp WHERE row_number() OVER () > 1;
SELECT rank() FROM wemp;
SELECT count(*) OVER nosuch FROM wemp;
SELECT sum(salary) OVER (ORDER BY empno ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM wemp;
SELECT sum(salary) OVER (ORDER BY depname, empno RANGE 1 PRECEDING) FROM wemp;
SELECT ntile(0) OVER (ORDER BY empno) FROM wemp;
SELECT sum(row_number() OVER ()) FROM wemp;

select x, last_value(x) over (order by x::smallint range between current row and 2147450884 following) from generate_series(32764, 32766) x;
select x, last_value(x) over (order by x::smallint desc range between current row and 2147450885 following) from generate_series(-32766, -32764) x;
select x, last_value(x) over (order by x range between current row and 4 following) from generate_series(2147483644, 2147483646) x;
select x, last_value(x) over (order by x desc range between current row and 5 following) from generate_series(-2147483646, -2147483644) x;
select x, first_value(x) over (order by x range between 4 preceding and current row) from generate_series(-2147483646, -2147483644) x;
select x, sum(x) over (order by x desc nulls last range between 1 preceding and 1 following) from (values (1),(2),(null),(4)) v(x);
CREATE TABLE oo (a int primary key, b int);
insert into oo values (1, 10), (2, 20), (3, 30);
select a, (select o.b + row_number() over (order by i.a) from oo i where i.a = o.a) from oo o order by a;
select a, (select max(o.b * i.b) over () from oo i where i.a <= o.a limit 1) from oo o order by a;
select a, sum(b) over (order by a), (select count(*) from oo i where i.a < o.a) from oo o order by a;
DROP TABLE oo;
DROP TABLE wemp;
