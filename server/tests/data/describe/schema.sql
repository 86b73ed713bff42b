-- The schema both servers describe: pgbench's tables as `pgbench -i` creates them, and two
-- tables with defaults, NOT NULL, several types and primary keys.
create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22));
create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100);
create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100);
create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100);
alter table pgbench_branches add primary key (bid);
alter table pgbench_tellers add primary key (tid);
alter table pgbench_accounts add primary key (aid);
create table demo(id int primary key, name text);
create table t(a int not null default 7, b varchar(10) default 'ab', c numeric(10,2), d text default 'x',
  e timestamptz, f bool default true, g int8 primary key, h float8 default -1, i bytea, j jsonb,
  k date, "Mixed Case" int2 default 3);
create table "Quoted Name"(k1 int, k2 text, v int, primary key (k2, k1));
create table ck(a int check (a > 0), b int, constraint bc check (b < 10 and a <> b));
create table ix(id int primary key, a int unique, b int, c text);
create index ix_b_idx on ix (b);
create unique index ix_cb on ix (c, b desc);
create view v_demo as select id, name from demo;
create sequence s_demo;
-- Schemas: one with a table of its own, one whose table shares a name with public's `t`.
create schema sales;
create table sales.orders(id int primary key, note text default 'none');
create schema hr authorization postgres;
create table hr.t(x int);
create function add_em(a int, b int default 1) returns int language sql immutable as 'select a + b';
create function add_em(x text) returns text language sql return x || '!';
create function demo_count() returns bigint language sql stable as 'select count(*) from demo';
create table fk_parent (id int primary key, code int unique);
create table fk_child (id int primary key, p int references fk_parent on delete cascade,
    c int, self int references fk_child,
    constraint "Code FK" foreign key (c) references fk_parent (code) match full deferrable initially deferred);
