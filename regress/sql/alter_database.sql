-- ALTER DATABASE SET/RESET: defaults for sessions that connect to the database later.
CREATE DATABASE pgl_adb;
ALTER DATABASE pgl_adb SET datestyle TO 'German';
ALTER DATABASE pgl_adb SET timezone = 'Europe/Berlin';
ALTER DATABASE pgl_adb SET extra_float_digits TO 0;
ALTER DATABASE pgl_adb SET intervalstyle = sql_standard;
ALTER DATABASE pgl_adb SET nosuch_setting TO 1;
ALTER DATABASE pgl_adb SET datestyle TO 'nonsense';
ALTER DATABASE pgl_adb_missing SET datestyle TO 'ISO';
-- The current session is not affected.
SHOW intervalstyle;
-- DateStyle and TimeZone come from the client's startup packet here (PGDATESTYLE, PGTZ), which
-- wins over the database's defaults.
\c pgl_adb
SHOW datestyle;
SHOW timezone;
SHOW extra_float_digits;
SHOW intervalstyle;
SELECT interval '1 day 2 hours', 0.1::float8 * 3;
-- A SET in the session still overrides the default.
SET intervalstyle TO postgres;
SELECT interval '1 day 2 hours';
\c regression
ALTER DATABASE pgl_adb RESET intervalstyle;
ALTER DATABASE pgl_adb SET extra_float_digits TO DEFAULT;
\c pgl_adb
SHOW intervalstyle;
SHOW timezone;
SHOW extra_float_digits;
\c regression
ALTER DATABASE pgl_adb RESET ALL;
\c pgl_adb
SHOW timezone;
SHOW extra_float_digits;
\c regression
DROP DATABASE pgl_adb;
