//! The facade's argument tables (each attribute's `# Arguments` in `src/lib.rs`) against
//! `resile-config`, where the keys and their defaults are written once: every key the
//! attribute takes is in its table, in the same order, with the same default.

use resile_config::{CircuitBreakerConfig, HedgeConfig, Key, RetryConfig};

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

fn check(attr: &str, keys: &[Key]) {
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
