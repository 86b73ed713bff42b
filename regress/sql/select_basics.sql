--
-- Foundation: the simplest queries and their result formatting
--
SELECT 1;
SELECT 1 AS one, 'two' AS two, NULL AS three;
select 1 + 2 * 3 AS arith, 7 / 2 AS int_div, 7 % 3 AS modulo, -5 AS neg;
SELECT 'a' || 'b' AS concat, length('hello') AS len, upper('abc') AS up;
SELECT true AS t, false AS f, NULL::boolean AS n;
SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (3, 'three')) AS v(num, word) ORDER BY num;
SELECT * FROM (VALUES (1)) AS v(x) WHERE x > 1;
SELECT 1 AS a; SELECT 2 AS b;
SELECT
  10 AS multi,
  20 AS line;
SELECT 'it''s' AS quoted, E'tab\there' AS escaped, $$dollar 'quoted'$$ AS dollar;
SELECT 1::int4 AS i4, 2::int8 AS i8, 1.5::numeric AS num, 2.5::float8 AS f8, 'x'::text AS txt;
SELECT count(*) AS n FROM (VALUES (1), (2), (3)) AS v(x);
SELECT 1 / 0;
SELECT nosuchcolumn;
SELECT * FROM nosuchtable;

-- timestamp + unknown literal: the unknown side is an interval
select '2020-01-01 10:00'::timestamptz + '1 day' as a, '1 hour' + '2020-01-01'::timestamp as b;
select current_date + '1 day';
select '2020-01-01'::timestamp - '1 hour';
