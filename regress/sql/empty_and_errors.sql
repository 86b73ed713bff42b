--
-- Foundation: empty queries, and syntax errors with their message and caret position
--
;
;;
/* only a comment */;
SELECT 1; ;
SELEC 1;
SELECT 1 +;
SELECT 1 FROM;
SELECT 'unterminated' 'x' AS oops;
SELECT
  1,
  2 3;
  -- a comment before the error
  SELECT * FRM t;
SELECT 1 AS ok;
SELECT (1;
SELECT 1)
;
INSERT INTO;
CREATE TABLE (a int);
select 1 as "quoted ident", 2 as "";
SELECT $1;
SELECT 'abc'::nosuchtype;
SELECT 'abc'::int;
SELECT 2147483647::int4 + 1;

-- assignment coercion: types without an assignment cast are refused when binding (42804)
create table asg_t(a int, b text, c timestamptz, d numeric(5,2), e int[]);
insert into asg_t values ('2020-01-01'::date);
insert into asg_t(a) values (now());
insert into asg_t values (1, 2, '2020-01-01'::date, 1.5::float8, '{1}');
update asg_t set a = now();
update asg_t set b = 5, a = 2.7, c = '2020-01-01'::timestamp, e = array[1.5];
update asg_t set a = true;
insert into asg_t(a) select now();
insert into asg_t(b) select 1;
select * from asg_t;
update asg_t as t set a = asg_t.a + 1;
drop table asg_t;
