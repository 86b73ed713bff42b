-- FOREIGN KEY constraints: declarations, checks, actions, DDL and the catalog, compared with
-- PostgreSQL 15 (pgbench -i --foreign-keys, the `with` test's department table).
CREATE TABLE p (id int PRIMARY KEY, u int UNIQUE, t text);
CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p,
                q int REFERENCES p (u) ON DELETE CASCADE ON UPDATE CASCADE);
INSERT INTO p VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, 'd');
INSERT INTO c VALUES (1, 1, 10), (2, 2, 20), (3, NULL, NULL), (5, 4, 40);
-- the child side: a missing parent key, NULL keys are not checked
INSERT INTO c VALUES (4, 5, NULL);
INSERT INTO c VALUES (4, 1, 50);
UPDATE c SET p = 9 WHERE id = 3;
UPDATE c SET p = 3 WHERE id = 3;
-- the parent side: NO ACTION, CASCADE on delete and update
DELETE FROM p WHERE id = 1;
DELETE FROM p WHERE id = 4;
UPDATE p SET u = 21 WHERE id = 2;
SELECT * FROM c ORDER BY id;
DELETE FROM c WHERE id = 1;
DELETE FROM p WHERE id = 1;
-- a statement that deletes the parent and its children together
DELETE FROM p WHERE id = 3;
BEGIN;
DELETE FROM c WHERE p = 3;
DELETE FROM p WHERE id = 3;
ROLLBACK;
SELECT * FROM p ORDER BY id;
-- self-reference, several rows in one statement
CREATE TABLE department (id int PRIMARY KEY, parent_department int REFERENCES department, name text);
INSERT INTO department VALUES (0, NULL, 'ROOT'), (1, 0, 'A'), (2, 1, 'B');
INSERT INTO department VALUES (3, 2, 'C'), (4, 9, 'X');
DELETE FROM department WHERE id = 1;
DELETE FROM department WHERE id >= 1;
SELECT * FROM department;
-- composite keys, MATCH FULL, SET NULL and SET DEFAULT
ALTER TABLE p ADD CONSTRAINT p_id_u UNIQUE (id, u);
CREATE TABLE e (a int, b int DEFAULT 0, FOREIGN KEY (a, b) REFERENCES p (id, u) MATCH FULL ON DELETE SET NULL);
INSERT INTO e VALUES (2, NULL);
INSERT INTO e VALUES (2, 21), (NULL, NULL);
DELETE FROM p WHERE id = 2;
SELECT * FROM e ORDER BY a;
CREATE TABLE f (id int PRIMARY KEY, r int DEFAULT 0 REFERENCES department ON DELETE SET DEFAULT);
INSERT INTO f VALUES (1, 0);
DELETE FROM department WHERE id = 0;
-- declarations PostgreSQL refuses
CREATE TABLE g1 (x text REFERENCES p);
CREATE TABLE g2 (x int REFERENCES p (t));
CREATE TABLE g3 (x int REFERENCES nosuch);
CREATE TABLE g4 (x int, FOREIGN KEY (y) REFERENCES p);
CREATE TABLE g5 (x int, y int, FOREIGN KEY (x, y) REFERENCES p (id));
CREATE TABLE g6 (x bigint REFERENCES p, y numeric REFERENCES p);
CREATE TABLE g7 (x numeric REFERENCES p);
-- ALTER TABLE ADD / DROP CONSTRAINT, validation of existing rows
CREATE TABLE c2 (id int PRIMARY KEY, p int);
INSERT INTO c2 VALUES (1, 3), (2, 7);
ALTER TABLE c2 ADD CONSTRAINT c2p FOREIGN KEY (p) REFERENCES p;
DELETE FROM c2 WHERE id = 2;
ALTER TABLE c2 ADD CONSTRAINT c2p FOREIGN KEY (p) REFERENCES p;
ALTER TABLE c2 ADD CONSTRAINT c2p FOREIGN KEY (p) REFERENCES p;
SELECT conname, contype, confupdtype, confdeltype, confmatchtype, conkey, confkey,
       conrelid::regclass, confrelid::regclass, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE contype = 'f' ORDER BY conname;
ALTER TABLE c2 DROP CONSTRAINT c2p;
INSERT INTO c2 VALUES (3, 99);
-- DROP and TRUNCATE of a referenced table
DROP TABLE p;
TRUNCATE p;
TRUNCATE p, c, e, c2;
DROP TABLE p CASCADE;
INSERT INTO c VALUES (9, 1000, NULL);
-- temporary tables reference temporary tables
CREATE TEMP TABLE tp (id int PRIMARY KEY);
CREATE TEMP TABLE tc (id int REFERENCES tp ON DELETE CASCADE);
CREATE TEMP TABLE tbad (id int REFERENCES department);
CREATE TABLE pbad (id int REFERENCES tp);
INSERT INTO tp VALUES (1), (2);
INSERT INTO tc VALUES (1), (2), (2);
INSERT INTO tc VALUES (3);
DELETE FROM tp WHERE id = 2;
SELECT * FROM tc;
DROP TABLE c, c2, e, f, department, tc, tp;
-- deferred constraints: checked at COMMIT, SET CONSTRAINTS, a savepoint rolled back
create table dp (id int primary key);
create table dc (id int references dp deferrable initially deferred, x int references dp deferrable);
begin;
insert into dc values (1, null);
insert into dp values (1);
commit;
begin;
delete from dp where id = 1;
commit;
begin;
insert into dc values (5, null);
savepoint s;
insert into dc values (6, null);
rollback to s;
delete from dc where id = 5;
commit;
begin;
insert into dc values (7, null);
commit;
set constraints all deferred;
begin;
set constraints dc_x_fkey deferred;
insert into dc values (null, 9);
set constraints dc_x_fkey immediate;
rollback;
begin;
set constraints nosuch deferred;
rollback;
begin;
set constraints dp_pkey deferred;
rollback;
create table nd (id int references dp);
begin;
set constraints nd_id_fkey deferred;
rollback;
select * from dc;
drop table dc, nd, dp;
-- ON CONFLICT checks the rows it inserts or updates; NOT VALID and VALIDATE CONSTRAINT
create table up (id int primary key);
create table uc (id int primary key, p int references up);
insert into up values (1), (2);
insert into uc values (1, 1) on conflict (id) do update set p = excluded.p;
insert into uc values (1, 5) on conflict (id) do update set p = excluded.p;
insert into uc values (2, 7) on conflict do nothing;
insert into uc values (1, 2) on conflict (id) do update set p = excluded.p;
select * from uc;
create table nv (a int);
insert into nv values (9);
alter table nv add constraint nva foreign key (a) references up not valid;
select convalidated, pg_get_constraintdef(oid) from pg_constraint where conname = 'nva';
insert into nv values (8);
alter table nv validate constraint nva;
delete from nv;
alter table nv validate constraint nva;
alter table nv validate constraint nosuch;
drop table uc, nv, up;
-- TRUNCATE ... CASCADE takes the referencing tables along
create table ta (id int primary key);
create table tb (id int primary key, a int references ta);
create table tc2 (id int primary key, b int references tb);
insert into ta values (1); insert into tb values (1, 1); insert into tc2 values (1, 1);
truncate ta, tb;
truncate ta cascade;
select (select count(*) from ta), (select count(*) from tb), (select count(*) from tc2);
drop table tc2, tb, ta;
