//! The facade's argument tables (each attribute's `# Arguments` in `src/lib.rs`) against
//! `resile-config`, where the keys and their defaults are written once: every key the
//! attribute takes is in its table, in the same order, with the same default.

use resile_config::{
    BulkheadConfig, ChaosConfig, CircuitBreakerConfig, HedgeConfig, KEYED_KEYS, Key, POLICY_KEY, RateLimitConfig,
    RetryConfig,
};

const FACADE: &str = include_str!("../src/lib.rs");

/// The `(key, default)` rows of the `# Arguments` table of `#[attr]`'s documentation. A row
/// may list several keys (`buffer_size`, `min_samples`) with as many defaults.
fn table(attr: &str) -> Vec<(String, String)> {
    let end = FACADE.find(&format!("pub use resile_macros::{attr};")).expect("the attribute is re-exported");
    let doc = &FACADE[..end];
    let start = doc.rfind("/// # Arguments").expect("an arguments table");
    let cells = |line: &str| -> Vec<String> {
        line.trim_start_matches("///").trim().trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect()
    };
    let mut rows = Vec::new();
    for line in doc[start..].lines().skip(3).take_while(|l| l.trim_start().starts_with("/// |")) {
        let cells = cells(line);
        let keys: Vec<&str> = cells[0].split(", ").map(|k| k.trim_matches('`')).collect();
        let defaults: Vec<&str> = cells[2].split(", ").collect();
        assert!(defaults.len() == keys.len() || defaults.len() == 1, "row `{line}`: one default per key");
        for (i, key) in keys.iter().enumerate() {
            let default = defaults.get(i).or(defaults.first()).expect("a default");
            rows.push(((*key).to_owned(), (*default).to_owned()));
        }
    }
    rows
}

/// A default as the table and the key table write it: without code quotes, and compared as
/// numbers where both are (`10` and `10.0`).
fn same_default(table: &str, key: &Key) -> bool {
    let table = table.replace('`', "");
    let config = key.default.trim_start_matches("= ").replace('`', "");
    match (table.parse::<f64>(), config.parse::<f64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => table == config,
    }
}

/// Checks `#[attr]`'s table: `keys`, then `policy`, then (for the attributes with keyed
/// instances) `key` and `max_keys`.
fn check(attr: &str, keys: &[Key]) {
    let keyed: &[Key] = if matches!(attr, "circuit_breaker" | "bulkhead" | "rate_limit") { &KEYED_KEYS } else { &[] };
    let keys = &[keys, &[POLICY_KEY], keyed].concat()[..];
    let rows = table(attr);
    let documented: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    let known: Vec<&str> = keys.iter().map(|k| k.name).collect();
    assert_eq!(documented, known, "the keys of `#[{attr}]`'s table");
    for ((name, default), key) in rows.iter().zip(keys) {
        assert!(
            same_default(default, key),
            "`#[{attr}]` `{name}`: the table says `{default}`, resile-config `{}`",
            key.default
        );
    }
}

#[test]
fn retry_table_matches_the_configuration() {
    check("retry", RetryConfig::ARGUMENTS);
}

#[test]
fn circuit_breaker_table_matches_the_configuration() {
    check("circuit_breaker", CircuitBreakerConfig::ARGUMENTS);
}

#[test]
fn hedge_table_matches_the_configuration() {
    check("hedge", HedgeConfig::ARGUMENTS);
}

#[test]
fn bulkhead_table_matches_the_configuration() {
    check("bulkhead", BulkheadConfig::ARGUMENTS);
}

#[test]
fn rate_limit_table_matches_the_configuration() {
    check("rate_limit", RateLimitConfig::ARGUMENTS);
}

#[test]
fn chaos_table_matches_the_configuration() {
    check("chaos", ChaosConfig::ARGUMENTS);
}

/// The doc comments a user of `resile` reads (the facade's, and the runtime's and the
/// configuration crate's, which the facade re-exports): every line shown (hidden `# ` lines
/// of examples aside), with its file and number.
fn shown_doc_lines() -> Vec<(String, usize, String)> {
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "runtime/src", "config/src"] {
        walk(&root.join(dir), &mut files);
    }
    let mut lines = Vec::new();
    for file in files {
        // The architecture page is about the repository itself: its folders are its subject.
        if file.ends_with("docs/architecture.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a source file");
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start();
            let Some(doc) = line.strip_prefix("///").or_else(|| line.strip_prefix("//!")) else { continue };
            if doc.trim_start().starts_with("# ") || doc.trim() == "#" {
                continue;
            }
            lines.push((file.display().to_string(), i + 1, doc.to_owned()));
        }
    }
    lines
}

#[test]
fn docs_a_user_reads_name_only_what_a_user_has() {
    let wrong: Vec<String> = shown_doc_lines()
        .into_iter()
        .filter(|(_, _, doc)| {
            doc.contains("resile_runtime::")
                || doc.contains("SPEC")
                || doc.contains("of the contract")
                || doc.contains("ui-tests/")
        })
        .map(|(file, n, doc)| format!("{file}:{n}: {doc}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "a user of `resile` writes `resile::` paths and has no SPEC or ui-tests folder:\n{}",
        wrong.join("\n")
    );
}

// ---- the operator chapter (`src/docs/operating.rs`)

const OPERATING: &str = include_str!("../src/docs/operating.rs");

/// The `(key, default)` rows of the table under `### `[<policy>.<name>]`` in the chapter.
fn section(policy: &str) -> Vec<(String, String)> {
    let heading = format!("//! ### `[{policy}.<name>]`");
    let start = OPERATING.find(&heading).unwrap_or_else(|| panic!("a section for `[{policy}.<name>]`"));
    OPERATING[start..]
        .lines()
        .skip_while(|l| !l.starts_with("//! | key"))
        .skip(2)
        .take_while(|l| l.starts_with("//! |"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_start_matches("//!").trim().trim_matches('|').split(" | ").collect();
            (cells[0].trim().trim_matches('`').to_owned(), cells[2].trim().trim_start_matches("= ").to_owned())
        })
        .collect()
}

/// The text under `### `[<policy>.<name>]``, up to the next heading.
fn section_text(policy: &str) -> &'static str {
    let heading = format!("//! ### `[{policy}.<name>]`");
    let start = OPERATING.find(&heading).unwrap_or_else(|| panic!("a section for `[{policy}.<name>]`")) + heading.len();
    let rest = &OPERATING[start..];
    &rest[..rest.find("//! #").unwrap_or(rest.len())]
}

/// The section's table lists exactly the keys a file's section takes, in order, with their
/// defaults: the keys of `keys` that live configuration sets (`shared`, the lists the live
/// kinds of `resile::config` use; `None`: all of them), then `enabled` for the kinds a file
/// can turn off. Every other key of `keys` is a call site's own, and the section's text
/// names it as such.
fn check_section(policy: &str, keys: &[Key], shared: Option<&[&str]>, takes_enabled: bool) {
    let rows = section(policy);
    let documented: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    let mut known: Vec<&str> =
        keys.iter().map(|k| k.name).filter(|k| shared.is_none_or(|shared| shared.contains(k))).collect();
    if takes_enabled {
        known.push("enabled");
    }
    assert_eq!(documented, known, "the keys of `[{policy}.<name>]` in docs::operating");
    for (name, default) in &rows {
        if let Some(key) = keys.iter().find(|k| k.name == name) {
            assert!(
                same_default(default, key),
                "`[{policy}.<name>]` `{name}`: the chapter says `{default}`, resile-config `{}`",
                key.default
            );
        }
    }
    let text = section_text(policy);
    for key in keys.iter().map(|k| k.name).filter(|k| !known.contains(k)) {
        assert!(
            text.contains("Each site's own:") && text.contains(&format!("`{key}`")),
            "`[{policy}.<name>]` names `{key}` as each call site's own"
        );
    }
}

#[test]
fn operating_chapter_documents_every_circuit_breaker_key() {
    check_section("circuit_breaker", CircuitBreakerConfig::KEYS, None, true);
}

#[test]
fn operating_chapter_documents_every_bulkhead_key() {
    check_section("bulkhead", BulkheadConfig::KEYS, Some(BulkheadConfig::BULKHEAD_KEYS), true);
}

#[test]
fn operating_chapter_documents_every_rate_limit_key() {
    check_section("rate_limit", RateLimitConfig::KEYS, Some(RateLimitConfig::LIMITER_KEYS), true);
}

#[test]
fn operating_chapter_documents_every_hedge_key() {
    check_section("hedge", HedgeConfig::KEYS, Some(HedgeConfig::TRACKER_KEYS), false);
}

#[test]
fn operating_chapter_documents_every_retry_budget_key() {
    check_section("retry_budget", resile_config::RetryBudgetConfig::KEYS, None, false);
}

#[test]
fn operating_chapter_documents_every_chaos_key() {
    check_section("chaos", ChaosConfig::KEYS, None, true);
}

/// What the tables say, against what a file's section takes: `enabled` where the table
/// lists it (refused elsewhere), and a call site's own key refused as such.
#[test]
fn operating_chapter_tables_say_what_a_section_takes() {
    for policy in ["circuit_breaker", "bulkhead", "rate_limit", "hedge", "retry_budget", "chaos"] {
        let rows = section(policy);
        let listed = rows.iter().any(|(k, _)| k == "enabled");
        let applied = resile::config::apply_toml(&format!("[{policy}.docs-probe]\nenabled = false\n"));
        assert_eq!(applied.is_ok(), listed, "`[{policy}.<name>]` `enabled`: {applied:?}");
    }
    for (policy, keys) in
        [("bulkhead", BulkheadConfig::KEYS), ("rate_limit", RateLimitConfig::KEYS), ("hedge", HedgeConfig::KEYS)]
    {
        let rows = section(policy);
        for key in keys.iter().map(|k| k.name).filter(|k| !rows.iter().any(|(r, _)| r == k)) {
            let err = resile::config::apply_toml(&format!("[{policy}.docs-probe]\n{key} = 1\n")).unwrap_err();
            assert!(err.to_string().contains("call site's own setting"), "`[{policy}.<name>]` `{key}`: {err}");
        }
    }
    let prose: String = OPERATING.lines().map(|l| l.trim_start_matches("//!").trim()).collect::<Vec<_>>().join(" ");
    assert!(!prose.contains("Every section also takes"), "not every section takes `enabled`");
    assert!(prose.contains("`[hedge.*]` and `[retry_budget.*]` have no `enabled`"));
}

/// Every event of the telemetry module's table (the source of the events' levels and
/// messages) is in the chapter's table.
#[test]
fn operating_chapter_documents_every_event() {
    let telemetry = include_str!("../runtime/src/telemetry/mod.rs");
    let events: Vec<&str> = telemetry
        .lines()
        .filter(|l| l.starts_with("//! | [`Event::"))
        .flat_map(|l| l.split("[`Event::").skip(1).map(|rest| rest.split('`').next().unwrap()))
        .collect();
    assert!(events.len() >= 12, "the telemetry table lists the events: {events:?}");
    for event in events {
        assert!(OPERATING.contains(&format!("[`Event::{event}`]")), "docs::operating lists `Event::{event}`");
    }
}

/// The metrics of the contract (SPEC §8), each with its kind and labels, and a query.
#[test]
fn operating_chapter_documents_every_metric() {
    let metrics = [
        ("resile_calls_total", "counter", "`function`, `outcome`"),
        ("resile_call_duration_seconds", "histogram", "`function`"),
        ("resile_retries_total", "counter", "`function`"),
        ("resile_retries_exhausted_total", "counter", "`function`"),
        ("resile_rejections_total", "counter", "`policy`, `name`, `reason`"),
        ("resile_circuit_breaker_state", "gauge", "`name`"),
        ("resile_circuit_breaker_transitions_total", "counter", "`name`, `from`, `to`"),
        ("resile_hedges_total", "counter", "`name`, `result`"),
        ("resile_bulkhead_in_use", "gauge", "`name`"),
        ("resile_bulkhead_waiting", "gauge", "`name`"),
        ("resile_bulkhead_wait_seconds", "histogram", "`name`"),
        ("resile_rate_limiter_tokens", "gauge", "`name`"),
        ("resile_config", "gauge", "`policy`, `name`, `key`, `source`"),
        ("resile_keys_evicted_total", "counter", "`policy`, `name`"),
        ("resile_chaos_injected_total", "counter", "`name`, `fault`"),
    ];
    for (name, kind, labels) in metrics {
        let row = OPERATING
            .lines()
            .find(|l| l.starts_with(&format!("//! | `{name}` |")))
            .unwrap_or_else(|| panic!("docs::operating has a row for `{name}`"));
        assert!(row.contains(&format!("| {kind} |")), "`{name}` is a {kind}: {row}");
        assert!(row.contains(labels), "`{name}` has the labels {labels}: {row}");
        let queried = OPERATING.lines().filter(|l| !l.starts_with("//! |")).any(|l| l.contains(name));
        assert!(queried, "docs::operating has a query using `{name}`");
    }
}
