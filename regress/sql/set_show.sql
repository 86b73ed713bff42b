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
