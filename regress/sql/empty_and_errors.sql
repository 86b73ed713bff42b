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
