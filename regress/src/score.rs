//! Scoring: whole-file and per-statement pass.
//!
//! The units of a script ([`crate::lexer`]) are located in the reference (expected) output, in order;
//! each found unit's echoed lines are its *anchor*. A unit's *region* runs from its anchor to the next
//! unit's anchor (the first region also takes anything printed before it, such as a connection error).
//! The actual output is cut the same way, searching each anchor after the previous one; a unit passes
//! when its anchor is found and its two regions are identical line for line. Because psql echoes every
//! line whatever the server answers, a wrong answer changes only its own region: this is what a line diff
//! restricted to that region would show, without a diff's freedom to align lines across statements.
//!
//! Units not found in the reference output did not run there (lines after `\quit`); they are not
//! counted. COPY FROM STDIN acceptance is decided from the reference output too (see
//! [`crate::lexer::Sink::copy_accepted`]): whichever line psql would echo next under each hypothesis
//! appears first.

use crate::lexer::{split_units, Sink, Unit};

/// A unit found in the reference output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// 1-based script line where the unit starts.
    pub first_line: usize,
    /// The echoed lines, in segments (see [`Unit::echo`]).
    pub echo: Vec<Vec<String>>,
    /// Index of the anchor's first line in the reference output.
    pub start: usize,
}

/// The units of one test, as found in its reference output.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub anchors: Vec<Anchor>,
    /// First script lines of the units the reference output does not contain (after `\quit`).
    pub dropped: Vec<usize>,
}

/// Split output text into lines exactly (a final newline does not make an extra line).
pub fn output_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

/// Index of the first occurrence of `block` in `lines` at or after `from`. A meta-command line may end
/// an output line: `\echo -n` prints no newline, so the next echoed line is glued to its text.
fn find_block(lines: &[&str], block: &[String], from: usize) -> Option<usize> {
    let first = block.first()?.as_str();
    let first_matches = |l: &str| l == first || (first.starts_with('\\') && l.ends_with(first));
    (from..lines.len()).find(|&i| {
        first_matches(lines[i])
            && i + block.len() <= lines.len()
            && block[1..]
                .iter()
                .zip(&lines[i + 1..])
                .all(|(b, l)| b.as_str() == *l)
    })
}

/// Find a unit's echo segments in order at or after `from`: returns the first segment's start and the
/// end of the last one.
fn find_unit(lines: &[&str], segments: &[Vec<String>], from: usize) -> Option<(usize, usize)> {
    let mut start = None;
    let mut cursor = from;
    for seg in segments {
        let at = find_block(lines, seg, cursor)?;
        start.get_or_insert(at);
        cursor = at + seg.len();
    }
    start.map(|s| (s, cursor))
}

struct ExpectedSink<'a> {
    lines: &'a [&'a str],
    cursor: usize,
    layout: Layout,
}

impl Sink for ExpectedSink<'_> {
    fn unit(&mut self, unit: Unit) {
        match find_unit(self.lines, &unit.echo, self.cursor) {
            Some((start, end)) => {
                self.cursor = end;
                self.layout.anchors.push(Anchor {
                    first_line: unit.first_line,
                    echo: unit.echo,
                    start,
                });
            }
            None => self.layout.dropped.push(unit.first_line),
        }
    }

    fn copy_accepted(&mut self, data_first: Option<&str>, after_data: Option<&str>) -> bool {
        let find = |l: Option<&str>| {
            l.and_then(|l| (self.cursor..self.lines.len()).find(|&i| self.lines[i] == l))
                .unwrap_or(usize::MAX)
        };
        let rejected_at = find(data_first);
        let accepted_at = find(after_data);
        accepted_at <= rejected_at
    }
}

/// Find the units of `script` in its reference output.
pub fn layout(script: &str, expected: &str) -> Layout {
    let lines = output_lines(expected);
    let mut sink = ExpectedSink {
        lines: &lines,
        cursor: 0,
        layout: Layout::default(),
    };
    split_units(script, &mut sink);
    sink.layout
}

/// The score of one test's output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Score {
    /// The output is byte-for-byte the expected output.
    pub file_pass: bool,
    /// Number of units (statements) scored.
    pub statements: usize,
    /// Units whose region is unchanged.
    pub passed: usize,
    /// 1-based script lines of the failing units, for reports.
    pub failed_lines: Vec<usize>,
    /// For failing units whose actual output has an error the expected output lacks: that error's
    /// first line (what to implement next, once counted over the suite).
    pub new_errors: Vec<String>,
}

/// Cut `lines` into one region per anchor, given each anchor's start (None: not found). Region `i`
/// is `None` when anchor `i` was not found.
fn regions<'a>(lines: &'a [&'a str], starts: &[Option<usize>]) -> Vec<Option<&'a [&'a str]>> {
    let mut out = Vec::with_capacity(starts.len());
    for (i, start) in starts.iter().enumerate() {
        let Some(start) = *start else {
            out.push(None);
            continue;
        };
        let end = starts[i + 1..]
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or(lines.len());
        let begin = if i == 0 { 0 } else { start };
        out.push(Some(&lines[begin..end]));
    }
    out
}

/// Score an actual output against the expected one.
pub fn score(layout: &Layout, expected: &str, actual: &str) -> Score {
    let exp_lines = output_lines(expected);
    let act_lines = output_lines(actual);
    let exp_starts: Vec<Option<usize>> = layout.anchors.iter().map(|a| Some(a.start)).collect();
    let mut cursor = 0;
    let act_starts: Vec<Option<usize>> = layout
        .anchors
        .iter()
        .map(|a| {
            let found = find_unit(&act_lines, &a.echo, cursor);
            if let Some((_, end)) = found {
                cursor = end;
            }
            found.map(|(start, _)| start)
        })
        .collect();
    let exp_regions = regions(&exp_lines, &exp_starts);
    let act_regions = regions(&act_lines, &act_starts);
    let mut score = Score {
        file_pass: expected == actual,
        statements: layout.anchors.len(),
        ..Score::default()
    };
    for ((anchor, e), a) in layout.anchors.iter().zip(&exp_regions).zip(&act_regions) {
        if a.is_some() && e == a {
            score.passed += 1;
        } else {
            score.failed_lines.push(anchor.first_line);
            let expected_errors: Vec<&str> = e
                .iter()
                .flat_map(|r| r.iter())
                .copied()
                .filter(|l| l.starts_with("ERROR:"))
                .collect();
            let new_error = a
                .iter()
                .flat_map(|r| r.iter())
                .find(|l| l.starts_with("ERROR:") && !expected_errors.contains(l));
            if let Some(err) = new_error {
                score.new_errors.push(err.to_string());
            }
        }
    }
    score
}

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
