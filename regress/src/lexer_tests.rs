//! Unit tests of the psql line lexer.
use super::*;

fn units(script: &str) -> Vec<Vec<String>> {
    let mut c = Collect::default();
    split_units(script, &mut c);
    c.0.into_iter().map(|u| u.echo.concat()).collect()
}

fn v(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

#[test]
fn statements_split_at_semicolons() {
    let u = units("SELECT 1;\nSELECT\n  2;\n");
    assert_eq!(u, vec![v(&["SELECT 1;"]), v(&["SELECT", "  2;"])]);
}

#[test]
fn comments_and_client_meta_fold_into_next_unit() {
    let u = units("-- a comment\n\\set x 1\n\\echo :x\nSELECT 1;\n");
    assert_eq!(
        u,
        vec![v(&["-- a comment", "\\set x 1", "\\echo :x", "SELECT 1;"])]
    );
}

#[test]
fn empty_lines_are_not_echoed_outside_quotes() {
    let u = units("SELECT\n\n1;\nSELECT 'a\n\nb';\n");
    assert_eq!(u, vec![v(&["SELECT", "1;"]), v(&["SELECT 'a", "", "b';"])]);
}

#[test]
fn statements_sharing_a_line_are_one_unit() {
    let u = units("SELECT 1; SELECT 2;\nSELECT 3; SELECT\n4;\n");
    // SELECT 3's output follows the echo of its line, so the next unit starts after it.
    assert_eq!(
        u,
        vec![
            v(&["SELECT 1; SELECT 2;"]),
            v(&["SELECT 3; SELECT"]),
            v(&["4;"])
        ]
    );
}

#[test]
fn semicolons_inside_quotes_parens_and_comments_do_not_end() {
    let script = "SELECT ';', \"a;b\", $$x;y$$, $f$ ; $f$ /* ; /* ; */ ; */ ;\nSELECT (1;\n2);\nSELECT E'\\';';\n";
    let u = units(script);
    assert_eq!(u.len(), 3);
    assert_eq!(u[1], v(&["SELECT (1;", "2);"]));
    assert_eq!(u[2], v(&["SELECT E'\\';';"]));
}

#[test]
fn standard_conforming_strings_off_makes_backslash_escape() {
    let u = units("SET standard_conforming_strings TO off;\nSELECT 'a\\';b';\nRESET standard_conforming_strings;\nSELECT 'a\\';\n");
    assert_eq!(u.len(), 4);
    assert_eq!(u[1], v(&["SELECT 'a\\';b';"]));
}

#[test]
fn sql_function_body_begin_end() {
    let script = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 END;\nEND;\nSELECT 'begin';\n";
    let u = units(script);
    assert_eq!(u.len(), 2);
    assert_eq!(u[0].len(), 5);
    // BEGIN outside a routine definition is an ordinary statement.
    assert_eq!(units("BEGIN;\nSELECT 1;\nEND;\n").len(), 3);
}

#[test]
fn backslash_semicolon_joins_statements() {
    let u = units("SELECT 1 \\; SELECT 2 \\;\nSELECT 3;\n");
    assert_eq!(u, vec![v(&["SELECT 1 \\; SELECT 2 \\;", "SELECT 3;"])]);
}

#[test]
fn g_family_ends_statements() {
    let u =
        units("SELECT 1 AS x \\gset\n\\echo :x\nSELECT 2\n\\g\n\\d foo\nSELECT 3 \\crosstabview\n");
    assert_eq!(u.len(), 4);
    assert_eq!(u[1], v(&["\\echo :x", "SELECT 2", "\\g"]));
    assert_eq!(u[2], v(&["\\d foo"]));
}

#[test]
fn copy_data_is_not_echoed_when_accepted() {
    let u = units("COPY t FROM stdin;\n1\t2\n\\.\nSELECT 1;\n");
    assert_eq!(u, vec![v(&["COPY t FROM stdin;"]), v(&["SELECT 1;"])]);
}

#[derive(Default)]
struct Reject(Vec<Unit>, Vec<(Option<String>, Option<String>)>);
impl Sink for Reject {
    fn unit(&mut self, unit: Unit) {
        self.0.push(unit);
    }
    fn copy_accepted(&mut self, first: Option<&str>, after: Option<&str>) -> bool {
        self.1
            .push((first.map(String::from), after.map(String::from)));
        false
    }
}

#[test]
fn copy_rejected_by_server_leaves_lines_to_psql() {
    let mut r = Reject::default();
    split_units(
        "COPY t (x) FROM stdin;\nCOPY t FROM stdin;\n\\.\nSELECT 1;\n",
        &mut r,
    );
    // `\.` is then an (invalid) client meta-command and folds into the next unit.
    assert_eq!(r.0.len(), 3);
    assert_eq!(
        r.1[0],
        (Some("COPY t FROM stdin;".into()), Some("SELECT 1;".into()))
    );
}

#[test]
fn echo_none_hides_lines() {
    let u = units("SELECT 1;\n\\set ECHO none\nSELECT 2;\n\\set ECHO all\nSELECT 3;\n");
    // The `\set ECHO none` line itself is echoed; its unit (with SELECT 2) anchors there.
    assert_eq!(
        u,
        vec![
            v(&["SELECT 1;"]),
            v(&["\\set ECHO none"]),
            v(&["SELECT 3;"])
        ]
    );
}

#[test]
fn trailing_statement_without_terminator_and_trailing_comments() {
    let u = units("SELECT 1;\n-- the end\n");
    assert_eq!(u, vec![v(&["SELECT 1;", "-- the end"])]);
    assert_eq!(units("SELECT 1"), vec![v(&["SELECT 1"])]);
}

#[test]
fn meta_command_separator_resumes_sql() {
    let u = units("\\set VERBOSITY terse \\\\ -- comment\nSELECT 1;\n");
    assert_eq!(u.len(), 1);
    let u = units("\\echo 'a;b' \\\\ SELECT 1;\n");
    assert_eq!(u.len(), 1);
}

#[test]
fn inactive_if_branches_discard_their_text() {
    let u = units("select\n  \\if true\n    42\n  \\else\n    (bogus\n  \\endif\n  forty_two;\nselect \\if false \\\\ (bogus \\else \\\\ 42 \\endif \\\\ forty_two;\n");
    assert_eq!(u.len(), 2);
    assert_eq!(u[0].len(), 7);
    let u = units("\\if false\n  \\set ECHO none\n  not okay;\n\\endif\nSELECT 1;\n");
    assert_eq!(
        u,
        vec![v(&[
            "\\if false",
            "  \\set ECHO none",
            "  not okay;",
            "\\endif",
            "SELECT 1;"
        ])]
    );
}
