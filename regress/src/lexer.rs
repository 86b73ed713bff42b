//! A psql 15-compatible line lexer that finds the *units* of a test script.
//!
//! `psql -a` echoes every input line before running it, so the echoed lines of a statement are an anchor
//! that appears in any output, whatever the server answered. This module reproduces just enough of
//! psql's `psqlscan.l` and `MainLoop` to know, for each input line, whether psql echoes it and where
//! statements end:
//!
//! 1. A line is echoed when `ECHO` is `all` (it starts so with `-a`) and the line is not empty, or the
//!    line is empty but the previous line ended inside a quote or comment (`psql_scan_in_quote`).
//! 2. A statement ends at `;` at parenthesis depth 0, outside quotes, dollar quotes, comments and a
//!    `BEGIN ... END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (psql's identifier heuristic),
//!    or at a `\g`-family meta-command, or at end of file. `\;` and `\:` are literal.
//! 3. The data lines of a `COPY ... FROM STDIN` (and `\copy ... from stdin`) the server accepted are read
//!    by the copy handler and not echoed, up to and including `\.`. Whether the server accepted the COPY
//!    cannot be known from the script, so the lexer asks its [`Sink`] (the scorer answers from the
//!    reference output).
//! 4. `\set ECHO x` switches echoing off and on; lines read while it is not `all` are not echoed.
//!
//! A *unit* is the run of lines from the end of the previous unit to the end of the next line on which
//! something went to the server (a statement ended, or a meta-command such as `\d` ran): its output
//! follows that line's echo. So comment lines and client-only meta-commands (`\set`, `\echo`, `\pset`,
//! `\if`, ...) fold into the next unit (trailing ones at end of file into the last), and statements that
//! share a line form one unit. Output can also appear right after a meta-command line (`\echo`, an
//! error from `\set`), so a unit's echoed lines come in segments. Lines in an inactive `\if` branch
//! are echoed but not run; psql discards the text they added at `\else`/`\endif`, and so does this
//! lexer. Units whose lines were all unechoed (`\set ECHO none`) are dropped: their output lands in the
//! previous unit's region, exactly as it does in psql's output.
//!
//! Not modelled (not needed by the suite): psql variables whose values contain `;`, `\i` includes,
//! `\if` conditions on variables (taken as true), and `\quit` (the scorer drops units it cannot find in
//! the reference output).

/// One scoring unit: the input lines psql echoes for it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// 1-based line number in the script of the unit's first line (echoed or not).
    pub first_line: usize,
    /// The echoed lines, exactly as psql prints them, in segments: output can appear only between
    /// segments (after a meta-command line such as `\echo`, `\p` or a failing `\set`) and after the
    /// last one.
    pub echo: Vec<Vec<String>>,
}

/// Receives units as they are found, and decides COPY FROM STDIN acceptance.
pub trait Sink {
    /// A unit is complete.
    fn unit(&mut self, unit: Unit);
    /// A `COPY ... FROM STDIN` just ran. `data_first` is the first line psql would echo if the server
    /// rejected it (the line after the statement), `after_data` the first line it would echo if the server
    /// accepted it (the line after `\.`). Return whether the server accepted it.
    fn copy_accepted(&mut self, data_first: Option<&str>, after_data: Option<&str>) -> bool;
}

/// A [`Sink`] that collects units and assumes every COPY FROM STDIN was accepted.
#[derive(Debug, Default)]
pub struct Collect(pub Vec<Unit>);

impl Sink for Collect {
    fn unit(&mut self, unit: Unit) {
        self.0.push(unit);
    }
    fn copy_accepted(&mut self, _: Option<&str>, _: Option<&str>) -> bool {
        true
    }
}

/// Split a script into units (see the module docs).
pub fn split_units(script: &str, sink: &mut dyn Sink) {
    let lines: Vec<&str> = script.lines().collect();
    let mut lx = Lexer::default();
    let mut unit_first = 1;
    let mut echo: Vec<Vec<String>> = Vec::new();
    let mut segment: Vec<String> = Vec::new();
    // The last complete unit, held back in case trailing lines join it.
    let mut last: Option<Unit> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let in_quote = lx.mode != Mode::Normal;
        if line.is_empty() && !in_quote {
            i += 1;
            continue;
        }
        if lx.echo_all {
            segment.push(line.to_string());
        }
        let ev = lx.line(line);
        if ev.meta && !segment.is_empty() {
            echo.push(std::mem::take(&mut segment));
        }
        // Output follows the echo of the line that sent something: the unit ends there.
        if ev.action {
            let first_line = unit_first;
            unit_first = i + 2;
            if !segment.is_empty() {
                echo.push(std::mem::take(&mut segment));
            }
            if !echo.is_empty() {
                let unit = Unit {
                    first_line,
                    echo: std::mem::take(&mut echo),
                };
                if let Some(done) = last.replace(unit) {
                    sink.unit(done);
                }
            }
        }
        i += 1;
        if ev.copy_in {
            // The sink decides from what it has seen, so it must have seen the COPY's unit.
            if let Some(done) = last.take() {
                sink.unit(done);
            }
            let end = lines[i..].iter().position(|l| *l == "\\.").map(|p| i + p);
            let next_echo = |from: usize| {
                lines
                    .get(from..)
                    .and_then(|r| r.iter().find(|l| !l.is_empty()))
                    .copied()
            };
            let accepted = !lx.echo_all
                || sink.copy_accepted(next_echo(i), end.and_then(|e| next_echo(e + 1)));
            if accepted {
                i = end.map_or(lines.len(), |e| e + 1);
                if echo.is_empty() && segment.is_empty() && lx.buffer_empty() {
                    unit_first = i + 1;
                }
            }
        }
    }
    if !segment.is_empty() {
        echo.push(segment);
    }
    // psql sends an unterminated last statement at end of file; trailing comments and client-only
    // meta-commands have no next unit to fold into, so they join the last one.
    match last {
        Some(mut l) if lx.buffer_empty() => {
            l.echo.append(&mut echo);
            sink.unit(l);
        }
        Some(l) => {
            sink.unit(l);
            if !echo.is_empty() {
                sink.unit(Unit {
                    first_line: unit_first,
                    echo,
                });
            }
        }
        None if !echo.is_empty() => sink.unit(Unit {
            first_line: unit_first,
            echo,
        }),
        None => {}
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Normal,
    BlockComment(u32),
    Quote {
        backslash: bool,
    },
    Ident,
    Dollar(String),
}

/// What one line did.
#[derive(Debug, Default)]
struct LineEvents {
    /// Something was sent to the server (a statement ended, or a server meta-command ran).
    action: bool,
    /// A COPY FROM STDIN started: data lines follow.
    copy_in: bool,
    /// A meta-command ran (it may print something).
    meta: bool,
}

/// psql's lexer state that survives across lines.
#[derive(Debug)]
struct Lexer {
    mode: Mode,
    /// The current statement's text so far (the query buffer).
    stmt: String,
    paren_depth: u32,
    begin_depth: u32,
    identifiers: [u8; 4],
    identifier_count: usize,
    std_strings: bool,
    echo_all: bool,
    /// `\if` nesting: what psql saves at `\if` and restores when leaving an inactive branch.
    conds: Vec<Cond>,
}

/// One `\if ... \endif` level.
#[derive(Debug, Clone, Copy)]
struct Cond {
    /// Query buffer length and parenthesis depth at `\if` (psql discards what an inactive branch added).
    saved_len: usize,
    saved_paren: u32,
    state: Branch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Branch {
    /// This branch runs.
    Active,
    /// This branch is skipped; a later one may run.
    Inactive,
    /// An earlier branch ran, or the whole `\if` sits in a skipped branch.
    Done,
}

impl Default for Lexer {
    fn default() -> Self {
        Self {
            mode: Mode::Normal,
            stmt: String::new(),
            paren_depth: 0,
            begin_depth: 0,
            identifiers: [0; 4],
            identifier_count: 0,
            std_strings: true,
            echo_all: true,
            conds: Vec::new(),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_ident_cont(c: char) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == '$'
}

/// Meta-commands that send the query buffer.
const SENDERS: &[&str] = &["g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch"];
/// Meta-commands that take the rest of the line as their argument.
const WHOLE_LINE: &[&str] = &[
    "!", "copy", "ef", "ev", "h", "help", "sf", "sf+", "sv", "sv+", "w", "write",
];

/// psql's `ParseVariableBool` for a `\if` argument; a variable (unknown here) counts as true.
fn eval_bool(arg: &str) -> bool {
    let a = arg.trim().to_ascii_lowercase();
    if a.starts_with(':') {
        return true;
    }
    let prefix_of = |word: &str, min: usize| a.len() >= min && word.starts_with(a.as_str());
    prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || a == "1"
}

impl Lexer {
    fn active(&self) -> bool {
        self.conds.last().is_none_or(|c| c.state == Branch::Active)
    }

    /// Leave the current branch: text an inactive branch added is discarded.
    fn leave_branch(&mut self) {
        if let Some(c) = self.conds.last().copied() {
            if c.state != Branch::Active {
                self.stmt.truncate(c.saved_len);
                self.paren_depth = c.saved_paren;
            }
        }
    }

    /// `\if`, `\elif`, `\else`, `\endif`.
    fn conditional(&mut self, name: &str, args: &str) {
        match name {
            "if" => {
                let state = if !self.active() {
                    Branch::Done
                } else if eval_bool(args) {
                    Branch::Active
                } else {
                    Branch::Inactive
                };
                self.conds.push(Cond {
                    saved_len: self.stmt.len(),
                    saved_paren: self.paren_depth,
                    state,
                });
            }
            "elif" | "else" => {
                self.leave_branch();
                if let Some(c) = self.conds.last_mut() {
                    c.state = match c.state {
                        Branch::Active | Branch::Done => Branch::Done,
                        Branch::Inactive if name == "else" || eval_bool(args) => Branch::Active,
                        Branch::Inactive => Branch::Inactive,
                    };
                }
            }
            _ => {
                self.leave_branch();
                self.conds.pop();
            }
        }
    }

    fn buffer_empty(&self) -> bool {
        self.mode == Mode::Normal && self.stmt.trim().is_empty()
    }

    fn reset_statement(&mut self) {
        self.stmt.clear();
        self.paren_depth = 0;
        self.begin_depth = 0;
        self.identifier_count = 0;
    }

    /// Lex one input line.
    fn line(&mut self, line: &str) -> LineEvents {
        let mut ev = LineEvents::default();
        if !self.stmt.is_empty() {
            self.stmt.push('\n');
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            i = match self.mode.clone() {
                Mode::Normal => self.normal(&chars, i, &mut ev),
                Mode::BlockComment(depth) => self.block_comment(&chars, i, depth),
                Mode::Quote { backslash } => self.quote(&chars, i, backslash, '\''),
                Mode::Ident => self.quote(&chars, i, false, '"'),
                Mode::Dollar(tag) => self.dollar(&chars, i, &tag),
            };
        }
        ev
    }

    fn push(&mut self, chars: &[char]) {
        self.stmt.extend(chars);
    }

    fn normal(&mut self, c: &[char], i: usize, ev: &mut LineEvents) -> usize {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        let next2 = c.get(i + 2).copied();
        match ch {
            _ if ch.is_whitespace() => {
                if !self.stmt.is_empty() {
                    self.stmt.push(ch);
                }
                i + 1
            }
            '-' if next == Some('-') => c.len(),
            '/' if next == Some('*') => {
                self.mode = Mode::BlockComment(1);
                self.push(&c[i..i + 2]);
                i + 2
            }
            '\'' => {
                self.mode = Mode::Quote {
                    backslash: !self.std_strings,
                };
                self.push(&c[i..=i]);
                i + 1
            }
            'e' | 'E' if next == Some('\'') => {
                self.mode = Mode::Quote { backslash: true };
                self.push(&c[i..i + 2]);
                i + 2
            }
            'b' | 'B' | 'x' | 'X' if next == Some('\'') => {
                self.mode = Mode::Quote { backslash: false };
                self.push(&c[i..i + 2]);
                i + 2
            }
            'n' | 'N' if next == Some('\'') => {
                self.mode = Mode::Quote {
                    backslash: !self.std_strings,
                };
                self.push(&c[i..i + 2]);
                i + 2
            }
            'u' | 'U' if next == Some('&') && matches!(next2, Some('\'') | Some('"')) => {
                self.mode = if next2 == Some('"') {
                    Mode::Ident
                } else {
                    Mode::Quote { backslash: false }
                };
                self.push(&c[i..i + 3]);
                i + 3
            }
            '"' => {
                self.mode = Mode::Ident;
                self.push(&c[i..=i]);
                i + 1
            }
            '$' => self.dollar_start(c, i),
            _ if is_ident_start(ch) => self.identifier(c, i),
            '(' => {
                self.paren_depth += 1;
                self.push(&c[i..=i]);
                i + 1
            }
            ')' => {
                self.paren_depth = self.paren_depth.saturating_sub(1);
                self.push(&c[i..=i]);
                i + 1
            }
            ';' => {
                self.push(&c[i..=i]);
                if self.paren_depth == 0 && self.begin_depth == 0 {
                    if self.active() {
                        self.send(ev);
                    } else {
                        self.reset_statement();
                    }
                }
                i + 1
            }
            '\\' if matches!(next, Some(';') | Some(':')) => {
                self.push(&c[i + 1..i + 2]);
                i + 2
            }
            '\\' => self.meta(c, i, ev),
            _ => {
                self.push(&c[i..=i]);
                i + 1
            }
        }
    }

    /// The query buffer goes to the server.
    fn send(&mut self, ev: &mut LineEvents) {
        ev.action = true;
        let text = self.stmt.to_ascii_lowercase();
        let words: Vec<&str> = text
            .split(|c: char| !is_ident_cont(c))
            .filter(|w| !w.is_empty())
            .collect();
        if words.contains(&"copy")
            && words
                .windows(2)
                .any(|w| w == ["from", "stdin"] || w == ["from", "stdout"])
        {
            ev.copy_in = true;
        }
        match words.as_slice() {
            ["set", "standard_conforming_strings", rest @ ..] => {
                let value = rest.iter().find(|w| **w != "to").copied().unwrap_or("on");
                self.std_strings = !matches!(value, "off" | "false" | "0" | "no");
            }
            ["reset", "standard_conforming_strings", ..] | ["reset", "all", ..] => {
                self.std_strings = true
            }
            _ => {}
        }
        self.reset_statement();
    }

    fn identifier(&mut self, c: &[char], i: usize) -> usize {
        let end = (i..c.len())
            .find(|&j| !is_ident_cont(c[j]))
            .unwrap_or(c.len());
        let word: String = c[i..end].iter().collect::<String>().to_ascii_lowercase();
        self.push(&c[i..end]);
        if self.identifier_count == 0 {
            self.identifiers = [0; 4];
        }
        if matches!(
            word.as_str(),
            "create" | "function" | "procedure" | "or" | "replace"
        ) {
            if let Some(slot) = self.identifiers.get_mut(self.identifier_count) {
                *slot = word.as_bytes()[0];
            }
        }
        self.identifier_count += 1;
        let ids = self.identifiers;
        let in_routine = ids[0] == b'c'
            && (ids[1] == b'f'
                || ids[1] == b'p'
                || (ids[1] == b'o' && ids[2] == b'r' && (ids[3] == b'f' || ids[3] == b'p')));
        if in_routine && self.paren_depth == 0 {
            match word.as_str() {
                "begin" => self.begin_depth += 1,
                "case" if self.begin_depth >= 1 => self.begin_depth += 1,
                "end" => self.begin_depth = self.begin_depth.saturating_sub(1),
                _ => {}
            }
        }
        end
    }

    fn dollar_start(&mut self, c: &[char], i: usize) -> usize {
        let mut j = i + 1;
        if c.get(j).is_some_and(|&ch| is_ident_start(ch)) {
            while c
                .get(j)
                .is_some_and(|&ch| is_ident_start(ch) || ch.is_ascii_digit())
            {
                j += 1;
            }
        }
        if c.get(j) == Some(&'$') {
            let tag: String = c[i..=j].iter().collect();
            self.push(&c[i..=j]);
            self.mode = Mode::Dollar(tag);
            return j + 1;
        }
        // `$1` parameter or a lone `$`.
        let end = (i + 1..c.len())
            .find(|&k| !c[k].is_ascii_digit())
            .unwrap_or(c.len());
        self.push(&c[i..end]);
        end
    }

    fn dollar(&mut self, c: &[char], i: usize, tag: &str) -> usize {
        let tag: Vec<char> = tag.chars().collect();
        let rest = &c[i..];
        match (0..rest.len()).find(|&k| rest[k..].starts_with(&tag)) {
            Some(k) => {
                self.push(&rest[..k + tag.len()]);
                self.mode = Mode::Normal;
                i + k + tag.len()
            }
            None => {
                self.push(rest);
                c.len()
            }
        }
    }

    fn block_comment(&mut self, c: &[char], i: usize, depth: u32) -> usize {
        let next = c.get(i + 1).copied();
        match (c[i], next) {
            ('/', Some('*')) => {
                self.mode = Mode::BlockComment(depth + 1);
                self.push(&c[i..i + 2]);
                i + 2
            }
            ('*', Some('/')) => {
                self.mode = if depth <= 1 {
                    Mode::Normal
                } else {
                    Mode::BlockComment(depth - 1)
                };
                self.push(&c[i..i + 2]);
                i + 2
            }
            _ => {
                self.push(&c[i..=i]);
                i + 1
            }
        }
    }

    fn quote(&mut self, c: &[char], i: usize, backslash: bool, q: char) -> usize {
        let ch = c[i];
        if backslash && ch == '\\' {
            let end = (i + 2).min(c.len());
            self.push(&c[i..end]);
            return end;
        }
        if ch == q {
            if c.get(i + 1) == Some(&q) {
                self.push(&c[i..i + 2]);
                return i + 2;
            }
            self.mode = Mode::Normal;
        }
        self.push(&c[i..=i]);
        i + 1
    }

    /// A backslash meta-command at `c[i]`: returns where SQL lexing resumes.
    fn meta(&mut self, c: &[char], i: usize, ev: &mut LineEvents) -> usize {
        let name_end = (i + 1..c.len())
            .find(|&j| c[j].is_whitespace() || c[j] == '\\')
            .unwrap_or(c.len());
        let name: String = c[i + 1..name_end].iter().collect();
        let (args_end, resume) = if WHOLE_LINE.contains(&name.as_str()) {
            (c.len(), c.len())
        } else {
            meta_args_end(c, name_end)
        };
        let args: String = c[name_end..args_end].iter().collect();
        let args_words: Vec<String> = args
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        ev.meta = true;
        if matches!(name.as_str(), "if" | "elif" | "else" | "endif") {
            self.conditional(&name, &args);
            return resume;
        }
        if !self.active() {
            return resume;
        }
        match name.as_str() {
            n if SENDERS.contains(&n) => self.send(ev),
            "r" | "reset" => self.reset_statement(),
            "set" if args_words.first().map(String::as_str) == Some("echo") => {
                self.echo_all = args_words.get(1).map(String::as_str) == Some("all");
            }
            "unset" if args_words.first().map(String::as_str) == Some("echo") => {
                self.echo_all = false
            }
            "copy" => {
                ev.action = true;
                if args_words
                    .windows(2)
                    .any(|w| w[0] == "from" && (w[1] == "stdin" || w[1] == "pstdin"))
                {
                    ev.copy_in = true;
                }
            }
            n if is_server_meta(n) => ev.action = true,
            _ => {}
        }
        resume
    }
}

/// Meta-commands that query the server (their output is the server's answer), as opposed to
/// client-only ones like `\set` or `\echo`, which fold into the next unit.
fn is_server_meta(name: &str) -> bool {
    let base = name.trim_end_matches(['+', 'S', 'x']);
    base.starts_with('d')
        || base.starts_with("lo_")
        || matches!(
            base,
            "l" | "list"
                | "sf"
                | "sv"
                | "ef"
                | "ev"
                | "z"
                | "c"
                | "connect"
                | "conninfo"
                | "encoding"
        )
}

/// Where a meta-command's arguments end (`\\` separator or the next `\command`, outside quotes), and
/// where SQL lexing resumes.
fn meta_args_end(c: &[char], from: usize) -> (usize, usize) {
    let mut j = from;
    let mut quote: Option<char> = None;
    while j < c.len() {
        let ch = c[j];
        match quote {
            Some('\'') if ch == '\\' => j += 1,
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if matches!(ch, '\'' | '"' | '`') => quote = Some(ch),
            None if ch == '\\' => {
                return if c.get(j + 1) == Some(&'\\') {
                    (j, j + 2)
                } else {
                    (j, j)
                };
            }
            None => {}
        }
        j += 1;
    }
    (c.len(), c.len())
}

#[cfg(test)]
#[path = "lexer_tests.rs"]
mod tests;
