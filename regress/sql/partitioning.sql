-- Declarative partitioning: bounds and their errors, tuple routing, reads and writes through the
-- parent, row movement, ATTACH/DETACH, DROP of the parent.
create table pt_range_parted (a text, b int) partition by range (a, b);
create table pt_part1 partition of pt_range_parted for values from ('a', 1) to ('a', 10);
create table pt_part2 partition of pt_range_parted for values from ('a', 10) to ('a', 20);
create table pt_part3 partition of pt_range_parted for values from ('b', 1) to ('b', 10);
create table pt_fail_part partition of pt_range_parted for values from ('a', 5) to ('a', 15);
create table pt_fail_part partition of pt_range_parted for values from ('a', 0) to ('a', 2);
create table pt_fail_part partition of pt_range_parted for values from ('a', 10) to ('a', 5);
create table pt_fail_part partition of pt_range_parted for values from (minvalue, 1) to ('a', 5);
create table pt_fail_part partition of pt_range_parted for values in ('a');
insert into pt_range_parted values ('a', 1), ('a', 12), ('b', 5);
insert into pt_range_parted values ('c', 1);
insert into pt_part1 values ('a', 15);
select * from pt_range_parted order by 1, 2;
select * from pt_part2;
update pt_range_parted set b = b + 1 where b = 12;
update pt_range_parted set b = 15 where b = 1;
select * from pt_part1;
select * from pt_part2 order by b;
insert into pt_part1 values ('a', 2);
update pt_part1 set b = 30;
delete from pt_range_parted where a = 'b';
select count(*) from pt_range_parted;
select * from pt_range_parted where a = 'a' and b = 13;
-- expression keys
create table pt_exprkey (a text, b int) partition by list (lower(a));
create table pt_exprkey_ab partition of pt_exprkey for values in ('a', 'b');
insert into pt_exprkey values ('A', 1), ('b', 2);
insert into pt_exprkey values ('C', 3);
select * from pt_exprkey_ab order by b;
-- list partitions with NULL and a default
create table pt_list_parted (a int, b text) partition by list (a);
create table pt_lp1 partition of pt_list_parted for values in (1, 2, null);
create table pt_lp2 partition of pt_list_parted for values in (3, 2);
create table pt_lpd partition of pt_list_parted default;
create table pt_lpd2 partition of pt_list_parted default;
insert into pt_list_parted values (1, 'x'), (null, 'y'), (7, 'z');
select * from pt_lpd;
select * from pt_lp1 order by a;
create table pt_lp7 partition of pt_list_parted for values in (7);
-- multi-level
create table pt_lp_sub partition of pt_list_parted for values in (10, 11, 12) partition by range (b);
create table pt_lp_sub_a partition of pt_lp_sub for values from ('a') to ('m');
insert into pt_list_parted values (10, 'c');
insert into pt_list_parted values (11, 'z');
insert into pt_lp_sub values (1, 'b');
select * from pt_list_parted order by a nulls first, b;
-- hash partitions land where PostgreSQL puts them
create table pt_hp (a int, b text) partition by hash (a);
create table pt_hp0 partition of pt_hp for values with (modulus 4, remainder 0);
create table pt_hp1 partition of pt_hp for values with (modulus 4, remainder 1);
create table pt_hp2 partition of pt_hp for values with (modulus 4, remainder 2);
create table pt_hp3 partition of pt_hp for values with (modulus 4, remainder 3);
create table pt_hp5 partition of pt_hp for values with (modulus 3, remainder 3);
create table pt_hp5 partition of pt_hp for values with (modulus 8, remainder 3);
create table pt_hp5 partition of pt_hp for values with (modulus 6, remainder 3);
create table pt_hpd partition of pt_hp default;
insert into pt_hp select g, g::text from generate_series(1, 20) g;
insert into pt_hp values (null, 'n');
select a from pt_hp0 order by 1;
select a from pt_hp2 order by 1;
select count(*) from pt_hp;
-- ATTACH and DETACH
create table pt_att (a int, b text);
insert into pt_att values (5, 'five');
alter table pt_list_parted attach partition pt_att for values in (6);
alter table pt_list_parted attach partition pt_att for values in (5);
select * from pt_list_parted where a = 5;
alter table pt_list_parted detach partition pt_att;
select count(*) from pt_list_parted where a = 5;
select * from pt_att;
drop table pt_att;
drop table pt_list_parted;
select * from pt_lp1;
drop table pt_range_parted, pt_hp, pt_exprkey;
-- ALTER TABLE of a partitioned table reaches its partitions (matched by column name)
create table pt_ap (a int, b text) partition by list (a);
create table pt_ap1 partition of pt_ap for values in (1);
create table pt_ap2 (b text, a int) partition by range (b);
create table pt_ap2a partition of pt_ap2 for values from ('a') to ('m');
alter table pt_ap attach partition pt_ap2 for values in (2);
insert into pt_ap values (1, 'x'), (2, 'c');
alter table pt_ap add column c int, add column d text default 'dd';
select * from pt_ap order by a;
select * from pt_ap2a;
insert into pt_ap values (2, 'd', 5, 'q');
alter table pt_ap drop column c;
select * from pt_ap order by a, b;
alter table pt_ap rename column d to dee;
select dee from pt_ap2 order by 1;
alter table pt_ap alter column dee set not null;
insert into pt_ap values (1, 'z', null);
alter table pt_ap drop column a;
alter table pt_ap2 drop column b;
alter table pt_ap1 add column z int;
drop table pt_ap;
create table pt_c (a int) partition by list (a);
alter table pt_c attach partition pt_c for values in (1);
drop table pt_c;
-- COPY: into a partitioned table routes; out of one is refused, as in PostgreSQL 15
create table pt_cp (a int, b text) partition by list (a);
create table pt_cp1 partition of pt_cp for values in (1);
create table pt_cp2 partition of pt_cp for values in (2);
copy pt_cp from stdin;
1	one
2	two
\.
copy pt_cp to stdout;
copy (select * from pt_cp order by a) to stdout;
copy pt_cp2 to stdout;
select * from pt_cp where a = 2 for update;
truncate pt_cp;
select count(*) from pt_cp;
drop table pt_cp;

-- tableoid: each row's leaf, through two levels, in joins, RETURNING and after moves
create table toid_rp (a text, b bigint, c numeric) partition by range (a, b);
create table toid_rp_a_1 partition of toid_rp for values from ('a', 1) to ('a', 10);
create table toid_rp_a_10 partition of toid_rp for values from ('a', 10) to ('a', 20);
create table toid_rp_b partition of toid_rp for values from ('b', 0) to ('b', 100) partition by list (c);
create table toid_rp_b_1 partition of toid_rp_b for values in (1, 2);
create table toid_rp_b_d partition of toid_rp_b default;
insert into toid_rp values ('a', 1, 1), ('a', 15, 2), ('b', 5, 1), ('b', 7, 9);
select tableoid::regclass::text, * from toid_rp order by 1, 2, 3, 4;
select tableoid::regclass, count(*) from toid_rp group by 1 order by 1;
update toid_rp set b = 12 where b = 1 returning tableoid::regclass, *;
select toid_rp.tableoid::regclass, x.tableoid::regclass from toid_rp join toid_rp_a_10 x using (a, b) order by 1;
select tableoid from toid_rp_a_1 where false;
create table toid_plain (x int);
insert into toid_plain values (1) returning tableoid::regclass, x;
select p.tableoid = 'toid_plain'::regclass from toid_plain p;
select tableoid from toid_plain, toid_rp;
delete from toid_rp where c = 9 returning tableoid::regclass;
select * from toid_plain;
drop table toid_rp, toid_plain;
