--
-- Foundation: SET, SHOW and RESET of common settings
--
SHOW server_encoding;
SHOW client_encoding;
SHOW DateStyle;
SHOW TimeZone;
SHOW IntervalStyle;
SHOW standard_conforming_strings;
SHOW integer_datetimes;
SHOW search_path;
SHOW application_name;
SHOW transaction_isolation;
SHOW default_transaction_isolation;
SHOW statement_timeout;
SHOW extra_float_digits;
SHOW bytea_output;
SHOW lc_messages;
SET search_path TO public;
SHOW search_path;
SET search_path = "$user", public;
SHOW search_path;
RESET search_path;
SHOW search_path;
SET statement_timeout = '5s';
SHOW statement_timeout;
SET statement_timeout TO 1000;
SHOW statement_timeout;
SET statement_timeout TO DEFAULT;
SHOW statement_timeout;
SET extra_float_digits = 3;
SHOW extra_float_digits;
SET extra_float_digits = 0;
SELECT 0.1::float8 AS tenth;
RESET extra_float_digits;
SET application_name = 'regress_app';
SHOW application_name;
SELECT current_setting('application_name');
SET TIME ZONE 'UTC';
SHOW TimeZone;
SET TIME ZONE LOCAL;
SET DateStyle = 'ISO, YMD';
SHOW DateStyle;
SELECT '2024-02-29'::date AS d;
RESET DateStyle;
SHOW DateStyle;
SELECT set_config('work_mem', '8MB', false) AS set_config;
SHOW work_mem;
RESET work_mem;
SHOW work_mem;
-- errors
SET no_such_setting = 1;
SHOW no_such_setting;
SET statement_timeout = 'abc';
SET extra_float_digits = 100;
-- SET LOCAL lasts until the end of the transaction
BEGIN;
SET LOCAL statement_timeout = '2s';
SHOW statement_timeout;
COMMIT;
SHOW statement_timeout;
-- SET inside a rolled-back transaction is undone
BEGIN;
SET search_path TO pg_catalog;
ROLLBACK;
SHOW search_path;
RESET ALL;
SHOW statement_timeout;

-- set_config() on its own, as pg_dump scripts and drivers send it
SELECT pg_catalog.set_config('search_path', '', false);
show search_path;
SELECT set_config('search_path', 'public, pg_catalog', false) AS sp;
show search_path;
select set_config('work_mem', '2MB', true);
show work_mem;
begin;
select set_config('work_mem', '3MB', true);
show work_mem;
commit;
show work_mem;
select set_config('nosuch', 'x', false);
select set_config('my.custom', 'hello', false);
select current_setting('my.custom');
select set_config(NULL, 'x', false);
select set_config('statement_timeout', NULL, false);
prepare p(text) as select set_config('application_name', $1, false);
execute p('app1');
show application_name;
reset search_path; reset work_mem; reset statement_timeout; reset application_name;

-- pg_sleep and friends: the session sleeps; statement_timeout ends a sleep
SELECT pg_sleep(0.1);
select pg_sleep_for('100 milliseconds');
select pg_sleep_until(now() + '0.1 s') as z;
select pg_sleep(NULL);
set statement_timeout = '200ms';
select pg_sleep(1);
reset statement_timeout;
select pg_sleep('x');
