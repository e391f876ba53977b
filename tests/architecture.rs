//! Architecture invariants that the compiler does not check by itself (see ARCHITECTURE.md).
//!
//! 1. The core (everything in `src/` outside `src/wasm/`) imports no browser binding crate
//!    (`wasm_bindgen`, `web_sys`, `js_sys`), reads no clock (`std::time`, `Instant`,
//!    `SystemTime`) and does no I/O of its own (`std::net`, `std::fs`, `std::thread`,
//!    `std::process`). Time comes in as `now` from the caller; bytes come in and go out as slices.
//! 2. `src/wasm/`, the browser shell, is compiled only for `wasm32`: `lib.rs` declares it behind
//!    `#[cfg(target_arch = "wasm32")]`.
//!
//! How the check reads code: comments and string literals are removed first, then the rest is
//! split into identifiers and punctuation. A banned crate or clock type is banned as an
//! identifier anywhere (a `use`, a path in an expression, a type); a banned `std` module is
//! banned as a path (`std::time`, `::std::net`, `use std::{fs, …}`). Stripping comments keeps the
//! docs free to explain the rule ("the core never reads `std::time::Instant`") without tripping
//! it, and matching tokens rather than words keeps `instant_replay` or `fstab` from tripping it.
//! Clippy's `disallowed-methods`/`disallowed-types` (clippy.toml) catch the same clocks by type,
//! including through re-exports; this test also catches imports that clippy cannot see, such as
//! a `use` of a crate that only exists on wasm32.

// reason: a test: indexing its own token lists and failing with a message is how it reports.
#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

/// Identifiers the core may not name at all.
const BANNED_IDENTS: &[&str] = &["wasm_bindgen", "web_sys", "js_sys", "Instant", "SystemTime"];

/// Modules of `std` the core may not use: clocks, sockets, files, threads, processes.
const BANNED_STD_MODULES: &[&str] = &["time", "net", "fs", "thread", "process"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// Removes comments (line, block — nested — and doc comments). With `strings: true` it also
/// blanks string, byte-string, raw-string and char literals. Newlines are kept, so line numbers
/// in the output match the input.
fn strip(src: &str, strings: bool) -> String {
    let chars: Vec<char> = src.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    // Whether position `i` starts a token rather than continuing an identifier.
    let token_start = |i: usize| i == 0 || !is_ident_char(at(i - 1));
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < chars.len() {
        let c = at(i);
        // The `r` of a raw string: r"…", r#"…"#, br"…".
        let raw_at = match c {
            'r' if token_start(i) => Some(i),
            'b' if token_start(i) && at(i + 1) == 'r' => Some(i + 1),
            _ => None,
        };
        let raw_hashes = raw_at.and_then(|r| {
            let hashes = (r + 1..).take_while(|&k| at(k) == '#').count();
            (at(r + 1 + hashes) == '"').then_some(hashes)
        });
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && at(i) != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if at(i) == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if let (Some(r), Some(hashes)) = (raw_at, raw_hashes) {
            // Ends at the first quote followed by as many hashes as opened it.
            let mut j = r + 1 + hashes + 1;
            while j < chars.len() && !(at(j) == '"' && (1..=hashes).all(|k| at(j + k) == '#')) {
                j += 1;
            }
            let end = (j + 1 + hashes).min(chars.len());
            push_literal(&mut out, &chars[i..end], strings);
            i = end;
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && at(i) != '"' {
                i += if at(i) == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
            push_literal(&mut out, &chars[start..i], strings);
        } else if c == '\'' {
            // A char literal ('a', '\'', '\u{0}') — or a lifetime ('a), which is left alone.
            let end = if at(i + 1) == '\\' {
                (i + 3..chars.len()).find(|&k| at(k) == '\'')
            } else if at(i + 2) == '\'' {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    push_literal(&mut out, &chars[i..=end], strings);
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn push_literal(out: &mut String, literal: &[char], blank: bool) {
    if blank {
        out.push_str("\"\"");
        out.extend(literal.iter().filter(|&&c| c == '\n'));
    } else {
        out.extend(literal);
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Identifiers (with their line numbers), `::` and single punctuation characters.
fn tokenize(code: &str) -> Vec<(usize, Token)> {
    let mut tokens = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            if is_ident_char(c) {
                let start = i;
                while chars.get(i).is_some_and(|&c| is_ident_char(c)) {
                    i += 1;
                }
                tokens.push((n + 1, Token::Ident(chars[start..i].iter().collect())));
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push((n + 1, Token::PathSep));
                i += 2;
            } else {
                if !c.is_whitespace() {
                    tokens.push((n + 1, Token::Punct(c)));
                }
                i += 1;
            }
        }
    }
    tokens
}

/// Every use of a banned name in `src` (one Rust file), as "line N: what".
fn violations(src: &str) -> Vec<String> {
    let tokens = tokenize(&strip(src, true));
    let ident = |k: usize| match tokens.get(k) {
        Some((_, Token::Ident(s))) => Some(s.as_str()),
        _ => None,
    };
    let is = |k: usize, t: &Token| tokens.get(k).map(|(_, tok)| tok) == Some(t);
    let mut found = Vec::new();
    for (k, (line, _)) in tokens.iter().enumerate() {
        let Some(name) = ident(k) else { continue };
        if BANNED_IDENTS.contains(&name) {
            found.push(format!("line {line}: `{name}`"));
        }
        if name != "std" || !is(k + 1, &Token::PathSep) {
            continue;
        }
        if let Some(module) = ident(k + 2).filter(|m| BANNED_STD_MODULES.contains(m)) {
            found.push(format!("line {line}: `std::{module}`"));
        } else if is(k + 2, &Token::Punct('{')) {
            // `use std::{fmt, time::Duration, …}`: the group's first-level segments.
            let mut depth = 0;
            for (j, (line, token)) in tokens.iter().enumerate().skip(k + 2) {
                match token {
                    Token::Punct('{') => depth += 1,
                    Token::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Token::Ident(m)
                        if depth == 1
                            && BANNED_STD_MODULES.contains(&m.as_str())
                            && (is(j - 1, &Token::Punct('{')) || is(j - 1, &Token::Punct(','))) =>
                    {
                        found.push(format!("line {line}: `std::{m}`"));
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

/// Every `mod wasm` declaration in lib.rs that is not behind `#[cfg(target_arch = "wasm32")]`.
fn ungated_wasm_mods(lib_rs: &str) -> Vec<String> {
    // Strings are kept: the cfg's "wasm32" is one.
    let tokens = tokenize(&strip(lib_rs, false));
    let mut found = Vec::new();
    for (k, window) in tokens.windows(2).enumerate() {
        let [(line, first), (_, second)] = window else {
            continue;
        };
        if *first != Token::Ident("mod".into()) || *second != Token::Ident("wasm".into()) {
            continue;
        }
        // The attributes and visibility before this `mod`, back to the previous item's end.
        let start = tokens[..k]
            .iter()
            .rposition(|(_, t)| matches!(t, Token::Punct(';' | '}')))
            .map_or(0, |p| p + 1);
        let prefix: String = tokens[start..k]
            .iter()
            .map(|(_, t)| match t {
                Token::Ident(s) => s.clone(),
                Token::PathSep => "::".to_owned(),
                Token::Punct(c) => c.to_string(),
            })
            .collect();
        if !prefix.contains("#[cfg(target_arch=\"wasm32\")]") {
            found.push(format!(
                "line {line}: `mod wasm` without #[cfg(target_arch = \"wasm32\")]"
            ));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_core_imports_no_browser_bindings_clock_or_io() {
    let src = src_dir();
    let shell = src.join("wasm");
    let shell_file = src.join("wasm.rs");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut report = String::new();
    let mut checked = 0;
    for file in files
        .iter()
        .filter(|f| !f.starts_with(&shell) && **f != shell_file)
    {
        let text = fs::read_to_string(file).expect("read a source file");
        checked += 1;
        for v in violations(&text) {
            report += &format!("{}: {v}\n", file.strip_prefix(&src).unwrap_or(file).display());
        }
    }
    assert!(
        checked >= 3,
        "found only {checked} core source files under {}",
        src.display()
    );
    assert!(
        report.is_empty(),
        "the core (src/ outside src/wasm/) must not use browser bindings, clocks or I/O; \
         move this into src/wasm/ or take it as an argument:\n{report}"
    );
}

#[test]
fn the_browser_shell_is_compiled_only_for_wasm32() {
    let src = src_dir();
    let lib_rs = fs::read_to_string(src.join("lib.rs")).expect("read src/lib.rs");
    let ungated = ungated_wasm_mods(&lib_rs);
    assert!(ungated.is_empty(), "src/lib.rs:\n{}", ungated.join("\n"));
    if src.join("wasm").is_dir() || src.join("wasm.rs").is_file() {
        let declared = tokenize(&strip(&lib_rs, true))
            .windows(2)
            .any(|w| w[0].1 == Token::Ident("mod".into()) && w[1].1 == Token::Ident("wasm".into()));
        assert!(
            declared,
            "src/wasm exists but src/lib.rs does not declare `mod wasm`"
        );
    }
}

// The checker itself: what it must catch and what it must let through.

#[test]
fn catches_banned_paths_in_every_form() {
    let cases = [
        ("use wasm_bindgen::prelude::*;", "wasm_bindgen"),
        ("fn f() { web_sys::console::log_1(&x); }", "web_sys"),
        ("let d = js_sys::Date::now();", "js_sys"),
        ("use std::time::Instant;", "std::time"),
        ("use ::std::time::Duration;", "std::time"),
        ("fn f() -> u64 { std::time::SystemTime::now(); 0 }", "std::time"),
        ("use std::{fmt, time::Duration};", "std::time"),
        ("use std::{\n    io,\n    net::TcpStream,\n};", "std::net"),
        ("use std::fs;", "std::fs"),
        ("std::thread::sleep(d);", "std::thread"),
        ("use std :: process;", "std::process"),
        ("let t: Instant = x;", "Instant"),
        ("use web_time::SystemTime;", "SystemTime"),
    ];
    for (code, what) in cases {
        let found = violations(code);
        assert!(
            found.iter().any(|v| v.contains(what)),
            "{code:?} should report {what}, got {found:?}"
        );
    }
}

#[test]
fn ignores_comments_strings_and_lookalikes() {
    let code = r#####"
        //! The core never reads `std::time::Instant` and never imports wasm_bindgen.
        /// Unlike `web_sys`, this takes `now` from the caller.
        /* std::net /* nested: js_sys */ still a comment: SystemTime */
        const NOTE: &str = "std::fs and Instant are for the shell";
        const RAW: &str = r#"use std::thread; "quoted" SystemTime"#;
        const C: char = '"';
        fn instant_replay<'a>(fstab: &'a str, timestamp: u64) -> &'a str { let _ = timestamp; fstab }
        use core::time::Duration;
        use std::collections::HashMap;
        const ESCAPED: char = '\'';
        let bytes = br"std::fs";
    "#####;
    assert_eq!(violations(code), Vec::<String>::new());
}

#[test]
fn reports_line_numbers() {
    let code = "// line 1\nuse std::fmt;\n/* line 3\n line 4 */\nuse std::net::UdpSocket;\n";
    assert_eq!(violations(code), vec!["line 5: `std::net`".to_owned()]);
}

#[test]
fn checks_the_cfg_on_the_wasm_module() {
    let gated = "pub mod codec;\n#[cfg(target_arch = \"wasm32\")]\nmod wasm;\n";
    assert_eq!(ungated_wasm_mods(gated), Vec::<String>::new());
    let gated_pub = "pub mod codec;\n#[cfg(target_arch = \"wasm32\")]\n#[doc(hidden)]\npub mod wasm;\n";
    assert_eq!(ungated_wasm_mods(gated_pub), Vec::<String>::new());
    let ungated = "pub mod codec;\nmod wasm;\n";
    assert_eq!(ungated_wasm_mods(ungated).len(), 1);
    let wrong_cfg = "#[cfg(feature = \"wasm32\")]\nmod wasm;\n";
    assert_eq!(ungated_wasm_mods(wrong_cfg).len(), 1);
    let commented = "// #[cfg(target_arch = \"wasm32\")]\nmod wasm;\n";
    assert_eq!(ungated_wasm_mods(commented).len(), 1);
}
