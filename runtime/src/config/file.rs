//! A configuration file: TOML text to staged settings per named instance, every key checked
//! with the attribute's rules before anything is put in force.

use std::collections::HashSet;
use std::sync::Mutex;

use resile_config::{ConfigError, Key, KeyKind, KeySet, Problem, Text, Value, duration};

use super::kinds::{KINDS, Live, Off};
use super::{Applied, Change};
use crate::kit::isolation::current;

/// One section, checked: the settings it leads to and whether it turns the instance off.
pub(super) struct Staged<C> {
    name: String,
    config: C,
    /// The keys the section names: the ones it makes live.
    keys: KeySet,
    enabled: bool,
}

/// Puts one checked section in force.
type Put = Box<dyn FnOnce(&mut Applied) + Send>;

/// Every section of a file, checked, by kind.
#[derive(Default)]
pub(super) struct Plan {
    apply: Vec<Put>,
    /// The instances the file turns off, by kind and name.
    off: Vec<(&'static str, String)>,
}

/// Which instances a file turned off (so that a later file without `enabled = false`
/// turns them back on, and an operator's `disable()` is left alone otherwise).
static TURNED_OFF: Mutex<Vec<(&'static str, String)>> = Mutex::new(Vec::new());

/// The closest of `candidates` to `found`, when it is close enough to be a slip (the
/// attribute's rule: Jaro-Winkler above 0.8).
fn closest<T>(found: &str, candidates: impl Iterator<Item = (&'static str, T)>) -> Option<T> {
    candidates
        .map(|(name, c)| (strsim::jaro_winkler(found, name), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `enabled`, as a key for "did you mean".
const ENABLED: Key = Key { name: "enabled", kind: KeyKind::Words(&["true", "false"]), default: "true", doc: "" };

/// Parser messages, kept once each: `ConfigError` is `Copy` and holds `&'static str`s.
fn intern(message: String) -> &'static str {
    static SEEN: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(HashSet::new);
    if let Some(s) = seen.get(message.as_str()) {
        return s;
    }
    let s: &'static str = Box::leak(message.into_boxed_str());
    seen.insert(s);
    s
}

/// What a TOML value is, as messages say it.
fn describe(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// The TOML value of `key` as the config's [`Value`], by the key's kind.
fn value<'a>(key: &'static Key, value: &'a toml::Value) -> Result<Value<'a>, ConfigError> {
    let wrong = |found| ConfigError::new(key.name, Problem::WrongValue { expected: key.kind, found });
    Ok(match (key.kind, value) {
        (KeyKind::Duration, toml::Value::String(text)) => match duration::parse(text) {
            Ok(d) => Value::Duration(d),
            Err(message) => return Err(ConfigError::new(key.name, Problem::BadDuration { message: intern(message) })),
        },
        (KeyKind::Duration, toml::Value::Integer(n)) => {
            return Err(ConfigError::without_unit(key.name, &n.to_string(), None));
        }
        (KeyKind::Duration, toml::Value::Float(x)) => {
            return Err(ConfigError::without_unit(key.name, &x.to_string(), None));
        }
        (KeyKind::Count | KeyKind::Number, toml::Value::Integer(n)) if *n >= 0 => Value::Count(*n as u64),
        (KeyKind::Count, toml::Value::Integer(n)) => {
            return Err(ConfigError::new(key.name, Problem::NumberAtLeast { min: 0.0, found: *n as f64 }));
        }
        (KeyKind::Number, toml::Value::Integer(n)) => Value::Number(*n as f64),
        (KeyKind::Number | KeyKind::Count, toml::Value::Float(x)) => Value::Number(*x),
        (KeyKind::Words(_), toml::Value::String(text)) => Value::Word(text),
        (_, other) => return Err(wrong(describe(other))),
    })
}

/// Checks the section `[{P::KIND}.{name}]`: the settings it leads to, from the instance's
/// declared settings (or the defaults), with the keys it names set.
fn stage<P: Live>(name: &str, section: &toml::Table) -> Result<Staged<P::Config>, ConfigError> {
    let mut config = current::<P>().declared_or_default(name);
    let shared = P::SHARED.map(|keys| (P::KIND, keys));
    let (given, enabled) =
        read_section(&mut config, section, P::KEYS, P::OFF != Off::Unsupported, shared, P::set, P::errors)?;
    // The declaration's `weight` passed; every call site's must too.
    current::<P>().fits_sites(name, &config)?;
    Ok(Staged { name: name.to_owned(), config, keys: given, enabled })
}

/// What a section says, read the same way for every kind: each key it names set on
/// `config` (checked by its own rule), then the rules across them; the keys it named, and
/// its `enabled` (true when absent; only where `enabled` is a key). With `shared` (the
/// kind, and the keys its live configuration may set), another key is an error.
fn read_section<C>(
    config: &mut C,
    section: &toml::Table,
    keys: &'static [Key],
    has_enabled: bool,
    shared: Option<(&'static str, &'static [&'static str])>,
    set: fn(&mut C, &str, Value<'_>) -> Result<(), ConfigError>,
    errors: fn(&C, KeySet) -> Vec<ConfigError>,
) -> Result<(KeySet, bool), ConfigError> {
    let mut given = KeySet::EMPTY;
    let mut enabled = true;
    for (key, raw) in section {
        if key == "enabled" && has_enabled {
            enabled = match raw {
                toml::Value::Boolean(b) => *b,
                other => return Err(ConfigError::new("enabled", Problem::NotBool { found: describe(other) })),
            };
            continue;
        }
        let Some(k) = Key::find(keys, key) else {
            let candidates = keys.iter().chain(has_enabled.then_some(&ENABLED)).map(|k| (k.name, k));
            return Err(ConfigError::new(
                "",
                Problem::UnknownKey { found: Text::new(key), expected: keys, closest: closest(key, candidates) },
            ));
        };
        if let Some((kind, shared)) = shared
            && !shared.contains(&k.name)
        {
            return Err(ConfigError::new(k.name, Problem::SiteKey { kind, shared }));
        }
        set(config, key, value(k, raw)?)?;
        given = given.with(k.name);
    }
    match errors(config, given).into_iter().next() {
        Some(first) => Err(first),
        None => Ok((given, enabled)),
    }
}

/// Puts a staged section in force (it was checked: nothing here can fail), and says what
/// changed.
fn put<P: Live>(staged: Staged<P::Config>, applied: &mut Applied) {
    let registry = current::<P>();
    let before = registry.get(&staged.name).map(P::config);
    let policy = registry.configure_keys(&staged.name, staged.config, staged.keys, P::lay);
    let after = P::config(policy);
    let mut keys: Vec<&'static str> = P::KEYS
        .iter()
        .map(|k| k.name)
        .filter(|k| before.is_none_or(|b| P::show(&b, k) != P::show(&after, k)))
        .collect();
    if before.is_none() {
        keys.clear();
        keys.extend(P::KEYS.iter().map(|k| k.name).filter(|k| P::SHARED.is_none_or(|s| s.contains(k))));
    }
    if P::OFF != Off::Unsupported {
        let mut off = TURNED_OFF.lock().unwrap_or_else(|e| e.into_inner());
        let ours = off.iter().position(|(kind, name)| *kind == P::KIND && *name == staged.name);
        let changed = match (staged.enabled, ours) {
            (false, _) => {
                if ours.is_none() {
                    off.push((P::KIND, staged.name.clone()));
                }
                policy.turn(false)
            }
            // Turned off by a file before: this one turns it back on.
            (true, Some(i)) => {
                off.swap_remove(i);
                policy.turn(true)
            }
            (true, None) => false,
        };
        if changed {
            keys.push("enabled");
        }
    }
    applied.changes.push(Change {
        kind: P::KIND,
        name: staged.name,
        keys,
        created: before.is_none(),
        enabled: !policy.is_off(),
    });
}

/// Without the cargo feature `chaos`, a file's `[chaos.<name>]` sections are checked as
/// they are with it (known keys, their values, the rules across them) and then ignored, so
/// that one file serves a build with fault injection and one without; the first file that
/// has any says so at `INFO`. (Compiled in every build, so that its tests run in every
/// build.)
#[cfg_attr(feature = "chaos", allow(dead_code))]
fn check_chaos_sections(sections: &toml::Value) -> Result<(), ConfigError> {
    use resile_config::ChaosConfig;
    const KIND: &str = "chaos";
    for (name, section) in tables(KIND, sections)? {
        let mut config = ChaosConfig::new();
        read_section(&mut config, section, ChaosConfig::KEYS, true, None, ChaosConfig::set, ChaosConfig::errors)
            .map_err(|e| e.in_section(KIND, intern(name.clone())))?;
    }
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        tracing::info!(
            target: "resile",
            "the configuration's [chaos.*] sections are checked and ignored: fault injection needs the cargo feature `chaos`"
        );
    });
    Ok(())
}

/// The `[kind.<name>]` sections under `[kind]`, each a table, in order.
fn tables<'a>(
    kind: &'static str,
    sections: &'a toml::Value,
) -> Result<Vec<(&'a String, &'a toml::Table)>, ConfigError> {
    let toml::Value::Table(sections) = sections else {
        return Err(ConfigError::new("", Problem::NotASection { kind, found: Text::new(kind) }));
    };
    sections
        .iter()
        .map(|(name, section)| match section {
            toml::Value::Table(section) => Ok((name, section)),
            _ => {
                let found = format!("{kind}.{name}");
                Err(ConfigError::new("", Problem::NotASection { kind, found: Text::new(&found) }))
            }
        })
        .collect()
}

/// The sections of one kind.
fn stage_kind<P: Live>(kind: &'static str, sections: &toml::Value, plan: &mut Plan) -> Result<(), ConfigError> {
    for (name, section) in tables(kind, sections)? {
        let staged = stage::<P>(name, section).map_err(|e| e.in_section(kind, intern(name.clone())))?;
        if !staged.enabled {
            plan.off.push((P::KIND, name.clone()));
        }
        plan.apply.push(Box::new(move |applied| put::<P>(staged, applied)));
    }
    Ok(())
}

/// Checks every section of `text`; nothing is in force yet.
pub(super) fn plan(text: &str) -> Result<Plan, ConfigError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| not_toml(text, &e))?;
    let mut plan = Plan::default();
    // Kinds in a fixed order, so that `Applied` lists them as `KINDS` does.
    for kind in table.keys() {
        // Without the feature, `[chaos.*]` sections are checked and ignored (below).
        let ignored = cfg!(not(feature = "chaos")) && kind == "chaos";
        if !KINDS.contains(&kind.as_str()) && !ignored {
            let problem = Problem::UnknownSection {
                found: Text::new(kind),
                expected: KINDS,
                closest: closest(kind, KINDS.iter().map(|k| (*k, k))),
            };
            return Err(ConfigError::new("", problem));
        }
    }
    #[cfg(not(feature = "chaos"))]
    if let Some(sections) = table.get("chaos") {
        check_chaos_sections(sections)?;
    }
    for &kind in KINDS {
        let Some(sections) = table.get(kind) else { continue };
        match kind {
            "circuit_breaker" => stage_kind::<crate::CircuitBreaker>(kind, sections, &mut plan)?,
            "bulkhead" => stage_kind::<crate::Bulkhead>(kind, sections, &mut plan)?,
            "rate_limit" => stage_kind::<crate::RateLimiter>(kind, sections, &mut plan)?,
            "hedge" => stage_kind::<crate::HedgeTracker>(kind, sections, &mut plan)?,
            #[cfg(feature = "chaos")]
            "chaos" => stage_kind::<crate::chaos::Chaos>(kind, sections, &mut plan)?,
            _ => stage_kind::<crate::retry::RetryBudget>(kind, sections, &mut plan)?,
        }
    }
    Ok(plan)
}

impl Plan {
    /// Puts every section in force.
    /// Puts every section in force, then turns back on the instances an earlier file
    /// turned off and this one no longer does (its section is gone, or has no
    /// `enabled = false` any more).
    pub(super) fn apply(self) -> Applied {
        let mut applied = Applied::default();
        for apply in self.apply {
            apply(&mut applied);
        }
        let back_on: Vec<(&'static str, String)> = {
            let mut off = TURNED_OFF.lock().unwrap_or_else(|e| e.into_inner());
            let (kept, back_on) = off.drain(..).partition(|turned| self.off.contains(turned));
            *off = kept;
            back_on
        };
        if !back_on.is_empty() {
            for (kind, name) in back_on {
                match kind {
                    "circuit_breaker" => turn_back_on::<crate::CircuitBreaker>(name, &mut applied),
                    "bulkhead" => turn_back_on::<crate::Bulkhead>(name, &mut applied),
                    #[cfg(feature = "chaos")]
                    "chaos" => turn_back_on::<crate::chaos::Chaos>(name, &mut applied),
                    _ => turn_back_on::<crate::RateLimiter>(name, &mut applied),
                }
            }
            // In the order of `Applied`: by kind, then by name.
            applied.changes.sort_by(|a, b| {
                let at = |kind| KINDS.iter().position(|k| *k == kind);
                (at(a.kind), &a.name).cmp(&(at(b.kind), &b.name))
            });
        }
        applied
    }
}

/// Turns back on the instance `name` that a file turned off and the file now in force does
/// not, and says so when it was off.
fn turn_back_on<P: Live>(name: String, applied: &mut Applied) {
    let Some(policy) = current::<P>().get(&name) else { return };
    if policy.turn(true) {
        applied.changes.push(Change {
            kind: P::KIND,
            name,
            keys: vec!["enabled"],
            created: false,
            enabled: !policy.is_off(),
        });
    }
}

/// A syntax error: its line and column (from 1), and the first line of the parser's message.
fn not_toml(text: &str, e: &toml::de::Error) -> ConfigError {
    let at = e.span().map_or(0, |s| s.start).min(text.len());
    let before = &text[..text.floor_char_boundary_compat(at)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let message = e.message().lines().next().unwrap_or("").trim();
    ConfigError::new(
        "",
        Problem::NotToml {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            message: Text::new(message),
        },
    )
}

/// `str::floor_char_boundary`, which is not stable yet.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, at: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut at: usize) -> usize {
        while !self.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chaos(text: &str) -> Result<(), String> {
        let table: toml::Table = text.parse().expect("TOML");
        check_chaos_sections(&table["chaos"]).map_err(|e| e.to_string())
    }

    /// What a build without the cargo feature `chaos` does with a file's `[chaos.<name>]`
    /// sections: the same checks as with it, then nothing.
    #[test]
    fn chaos_sections_are_checked_as_with_the_feature() {
        assert_eq!(chaos("[chaos.db]\nerror_rate = 0.1\nlatency = \"20ms\"\nenabled = false\n"), Ok(()));
        let typo = chaos("[chaos.db]\neror_rate = 0.1\n").unwrap_err();
        assert!(typo.contains("eror_rate") && typo.contains("error_rate"), "{typo}");
        #[cfg(not(feature = "chaos"))]
        {
            // The whole file applies: the breaker's section is in force, the chaos one ignored.
            let text = "[circuit_breaker.file-test-db]\nfailure_rate_threshold = 0.3\n\n[chaos.file-test-db]\nenabled = false\n";
            assert!(plan(text).is_ok());
        }
        let rule = chaos("[chaos.db]\nerror_rate = 0.7\nhang_rate = 0.5\n").unwrap_err();
        assert!(rule.contains("[chaos.db]") || rule.contains("chaos.db"), "names the section: {rule}");
        let enabled = chaos("[chaos.db]\nenabled = \"no\"\n").unwrap_err();
        assert!(enabled.contains("enabled"), "{enabled}");
        assert!(chaos("[chaos]\ndb = 1\n").is_err(), "a section, not a value");
    }
}
