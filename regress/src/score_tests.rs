//! Unit tests of region cutting and scoring.
use super::*;

const SCRIPT: &str = "SELECT 1 AS one;\n-- comment\nSELECT 2 AS two;\nCOPY t FROM stdin;\n1\n\\.\nSELECT bad;\n\\quit\nSELECT 4;\n";
const EXPECTED: &str = "SELECT 1 AS one;\n one \n-----\n   1\n(1 row)\n\n-- comment\nSELECT 2 AS two;\n two \n-----\n   2\n(1 row)\n\nCOPY t FROM stdin;\nSELECT bad;\nERROR:  column \"bad\" does not exist\nLINE 1: SELECT bad;\n               ^\n\\quit\n";

#[test]
fn layout_finds_units_and_drops_those_after_quit() {
    let l = layout(SCRIPT, EXPECTED);
    let firsts: Vec<usize> = l.anchors.iter().map(|a| a.first_line).collect();
    assert_eq!(firsts, vec![1, 2, 4, 7]);
    assert_eq!(l.dropped, vec![8]);
}

#[test]
fn reference_scores_everything() {
    let l = layout(SCRIPT, EXPECTED);
    let s = score(&l, EXPECTED, EXPECTED);
    assert!(s.file_pass);
    assert_eq!((s.statements, s.passed), (4, 4));
}

#[test]
fn a_server_that_is_down_scores_zero() {
    let l = layout(SCRIPT, EXPECTED);
    let down =
        "psql: error: connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n";
    let s = score(&l, EXPECTED, down);
    assert!(!s.file_pass);
    assert_eq!(s.passed, 0);
}

#[test]
fn changing_one_result_line_fails_exactly_that_statement() {
    let l = layout(SCRIPT, EXPECTED);
    let exp_lines = output_lines(EXPECTED);
    for i in 0..exp_lines.len() {
        let mut changed: Vec<String> = exp_lines.iter().map(|s| s.to_string()).collect();
        changed[i].push('!');
        let actual = changed.join("\n") + "\n";
        let s = score(&l, EXPECTED, &actual);
        let is_echo = l
            .anchors
            .iter()
            .any(|a| (a.start..a.start + a.echo.concat().len()).contains(&i));
        // Changing an echoed line breaks that anchor, which fails its unit and the one before it.
        let expected_failures = if is_echo && i > 0 { 2 } else { 1 };
        assert_eq!(
            s.statements - s.passed,
            expected_failures,
            "line {i}: {:?}",
            s.failed_lines
        );
    }
}

#[test]
fn extra_output_belongs_to_the_statement_before_it() {
    let l = layout(SCRIPT, EXPECTED);
    let actual = EXPECTED.replace("-- comment\n", "WARNING:  surprise\n-- comment\n");
    let s = score(&l, EXPECTED, &actual);
    assert_eq!(s.failed_lines, vec![1]);
}

#[test]
fn rejected_copy_echoes_its_data_and_fails_only_itself() {
    let l = layout(SCRIPT, EXPECTED);
    let actual = EXPECTED.replace(
        "COPY t FROM stdin;\n",
        "COPY t FROM stdin;\nERROR:  relation \"t\" does not exist\n1\n\\.\ninvalid command \\.\n",
    );
    let s = score(&l, EXPECTED, &actual);
    assert_eq!(s.failed_lines, vec![4]);
}

#[test]
fn copy_rejected_in_reference_is_lexed_as_sql() {
    let script = "COPY t (nope) FROM stdin;\nSELECT 1;\n";
    let expected = "COPY t (nope) FROM stdin;\nERROR:  column \"nope\" of relation \"t\" does not exist\nSELECT 1;\n";
    let l = layout(script, expected);
    assert_eq!(l.anchors.len(), 2);
    assert!(l.dropped.is_empty());
}

#[test]
fn new_errors_are_reported_for_failing_units() {
    let l = layout(SCRIPT, EXPECTED);
    let actual = EXPECTED.replace(
        " two \n-----\n   2\n(1 row)\n",
        "ERROR:  not supported yet\n",
    );
    let s = score(&l, EXPECTED, &actual);
    assert_eq!(s.failed_lines, vec![2]);
    assert_eq!(s.new_errors, vec!["ERROR:  not supported yet".to_string()]);
}
