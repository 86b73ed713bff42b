-- Statistical and bitwise aggregates over rows spread across shards (partials merged).
CREATE TABLE sta (id int PRIMARY KEY, i int, n numeric, f float8, b bigint, s smallint);
INSERT INTO sta SELECT g, g * 3 % 17, (g * 7 % 13)::numeric / 4, g % 9, g * g, g FROM generate_series(1, 40) g;
SELECT var_pop(i), var_samp(i), variance(i), stddev(i), stddev_pop(i), stddev_samp(i) FROM sta;
SELECT var_pop(n), var_samp(n), stddev_pop(n), stddev_samp(n), variance(b), stddev(s) FROM sta;
SELECT regr_count(f, i), regr_avgx(f, i), regr_avgy(f, i), regr_sxx(f, i) FROM sta;
SELECT var_samp(i), stddev(n), corr(f, i), covar_samp(f, i), regr_slope(f, i) FROM sta WHERE id = 1;
SELECT var_pop(i), var_samp(f), regr_count(f, i), covar_pop(f, i) FROM sta WHERE id < 0;
SELECT var_pop(7), var_samp(1::int), var_pop(2.5::numeric), stddev_pop(3::float8);
SELECT bit_and(i), bit_or(i), bit_and(b), bit_or(s), bool_and(i > 0), bool_or(i > 15), every(i >= 0) FROM sta;
SELECT i % 3 AS k, variance(n), bit_or(s) FROM sta GROUP BY 1 ORDER BY 1;
SELECT string_agg(id::text, ',' ORDER BY id DESC), array_agg(id ORDER BY id DESC) FROM sta WHERE id < 6;
SELECT var_pop('x'::text);
SELECT corr(f) FROM sta;
DROP TABLE sta;

-- ordered-set and hypothetical-set aggregates (WITHIN GROUP)
create table os (g int, x float8, n numeric, t text);
insert into os values (1, 1, 1.5, 'a'), (1, 2, 2.5, 'b'), (1, 3, 2.5, 'b'), (1, 4, 10, 'c'), (2, 10, 3, 'z'), (2, NULL, NULL, NULL);
select g, percentile_cont(0.5) within group (order by x), percentile_disc(0.5) within group (order by x), mode() within group (order by t) from os group by g order by g;
select percentile_cont(array[0, 0.25, 0.5, 1]) within group (order by n) from os;
select percentile_disc(array[0.1, 0.9, null]) within group (order by t) from os;
select percentile_cont(0.5) within group (order by x desc) from os;
select rank(3) within group (order by x), dense_rank(2.5) within group (order by n), percent_rank(3) within group (order by x), cume_dist(3) within group (order by x) from os;
select g, rank(2, 'b') within group (order by x, t) from os group by g order by g;
select rank(3) within group (order by x desc nulls last) from os;
select percentile_cont(1.5) within group (order by x) from os;
select sum(x) within group (order by x) from os;
select percentile_cont(0.5) within group (order by x) from os where false;
select rank(1) within group (order by x) from os where false;
select mode() within group (order by n) filter (where g = 1) from os;
drop table os;
