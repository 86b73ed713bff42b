--
-- psql's \d family, which needs pg_catalog (DESIGN.md: enough for psql's \d and drivers' introspection)
--
CREATE TABLE regress_describe (
    id int PRIMARY KEY,
    name text NOT NULL,
    price numeric(10,2) DEFAULT 0,
    created timestamptz
);
CREATE INDEX regress_describe_name ON regress_describe (name);
\d regress_describe
\dt regress_describe
\di regress_describe*
\d regress_describe_pkey
\d no_such_relation
SELECT relname, relkind FROM pg_class WHERE relname LIKE 'regress_describe%' ORDER BY relname;
SELECT attname, atttypid::regtype, attnotnull FROM pg_attribute
  WHERE attrelid = 'regress_describe'::regclass AND attnum > 0 ORDER BY attnum;
SELECT column_name, data_type, is_nullable FROM information_schema.columns
  WHERE table_name = 'regress_describe' ORDER BY ordinal_position;
DROP TABLE regress_describe;
\d regress_describe
