-- Polymorphic array functions: element type resolution, bounds, NULL handling, errors.
select array_length(array[1,2,3], 1), array_length(array[1,2,3], 2), array_length('{}'::int[], 1);
select array_lower('[3:5]={1,2,3}'::int[], 1), array_ndims(array[1]), array_dims('[3:5]={1,2,3}'::int[]), array_dims('{{1,2},{3,4}}'::int[]);
select cardinality(array[1,2]), cardinality('{}'::text[]), cardinality('{{1,2},{3,4}}'::int[]);
select array_append(array[1,2], 3), array_append(null::int[], 1), array_prepend(0, array[1,2]), array_append('{1,2}', 3);
select array_cat(array[1,2], array[3,4]), array_cat(null::int[], array[1]), array_cat('{a}'::text[], '{b,c}');
select array_remove(array[1,2,3,2], 2), array_remove(array[1,null,3], null), array_replace(array[1,2,5,4], 5, 3), array_replace(array['a',null], null, 'z');
select array_positions(array[1,2,1,null], 1), array_positions(array[1,null,null], null);
select string_to_array('xx~^~yy~^~zz', '~^~'), string_to_array('abc', null), string_to_array('a,b,,c', ',', ''), string_to_array('', ','), string_to_array('abc', '');
select array_fill(7, array[3]), array_fill(7, array[2,2]), array_fill('x'::text, array[2], array[3]), array_fill(1, array[0]);
select array_fill(1, null);
select array_append(1, 2);
select array_remove('{{1,2},{3,4}}'::int[], 2);
select array_length(array[1.5, 2], 1), array_append(array[1.5], 2);
select array_cat(array[1], '{2.5}');
