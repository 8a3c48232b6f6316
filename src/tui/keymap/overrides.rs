//! `[keys]` in config.toml: action names to key lists, checked as the file is read, so an
//! unknown action, a key sfkey cannot read, a key bound twice in one screen or a key that could
//! never do its action there (one that types into the form) is an error with the file's line
//! and column, and the TUI never starts with a table it cannot use.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::KeyEvent;
use serde::de::{self, MapAccess, Visitor};

use super::super::input::is_editing_key;
use super::{Action, BINDINGS, Context, Key, KeyMap, is_hard_quit, is_modified};

/// Each overridden action with its keys, in the order of config.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyOverrides(Vec<(Action, Vec<Key>)>);

impl KeyOverrides {
    /// The overrides, in the order they were written.
    pub fn iter(&self) -> impl Iterator<Item = &(Action, Vec<Key>)> {
        self.0.iter()
    }

    /// The first key bound to two actions in one context by the table these overrides make,
    /// as an error naming both.
    pub(super) fn check(&self) -> Result<(), String> {
        let map = KeyMap::with(self);
        for context in Context::ALL {
            let mut seen: Vec<(Key, Action)> = Vec::new();
            for row in map.rows(context) {
                for key in &row.keys {
                    if let Some((_, other)) = seen.iter().find(|(k, _)| k == key) {
                        return Err(format!(
                            "the key {:?} is bound to both {} and {} in \"{}\"; give one of them another key",
                            key.config_name(),
                            other.name(),
                            row.binding.action.name(),
                            context.title()
                        ));
                    }
                    seen.push((*key, row.binding.action));
                }
            }
        }
        Ok(())
    }
}

/// Why `key` cannot do `action` in `context`, if it cannot: a key that types into the popup's
/// field, Ctrl-C (it always quits), or a modified key in a question (questions ignore those).
fn usable(context: Context, action: Action, key: &Key) -> Result<(), String> {
    let event = KeyEvent::new(key.0, key.1);
    let choice = matches!(action, Action::ChooseNext | Action::ChoosePrev);
    let why = if is_hard_quit(&event) && action != Action::Quit {
        "ctrl-c always quits (asking first when something would be lost)"
    } else if context.has_text_field() && !choice && is_editing_key(&event) {
        "it types or edits text there, so it would never reach the field; use a key with ctrl- or alt-, or a named key such as f2"
    } else if context.is_question() && is_modified(&event) {
        "questions take plain keys only (a terminal sends Esc then a key typed fast as alt- and the key)"
    } else {
        return Ok(());
    };
    Err(format!(
        "the key {:?} cannot be {} in \"{}\": {why}",
        key.config_name(),
        action.name(),
        context.title()
    ))
}

/// An action name read from config.toml: an unknown one is an error at its place.
struct ActionName(Action);

impl<'de> de::Deserialize<'de> for ActionName {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Action::from_name(&name).map(Self).ok_or_else(|| {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
            de::Error::custom(format!(
                "unknown action {:?} in [keys]; the actions are {}",
                crate::escape::escape(&name),
                names.join(", ")
            ))
        })
    }
}

/// Reads the keys of one action: a non-empty list, each key usable wherever the action is
/// bound. Checked as the list is read, so the error points at the list's line.
struct KeysOf(Action);

impl<'de> de::DeserializeSeed<'de> for KeysOf {
    type Value = Vec<Key>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        let keys = <Vec<Key> as de::Deserialize>::deserialize(deserializer)?;
        if keys.is_empty() {
            return Err(de::Error::custom(
                "an action needs at least one key (an empty list would leave it unreachable)",
            ));
        }
        let contexts = BINDINGS.iter().filter(|b| b.action == self.0);
        for context in contexts.map(|b| b.context) {
            for key in &keys {
                usable(context, self.0, key).map_err(de::Error::custom)?;
            }
        }
        Ok(keys)
    }
}

impl<'de> de::Deserialize<'de> for KeyOverrides {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Table;
        impl<'de> Visitor<'de> for Table {
            type Value = KeyOverrides;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of action = [\"key\", ...]")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(ActionName(action)) = map.next_key()? {
                    let keys = map.next_value_seed(KeysOf(action))?;
                    out.push((action, keys));
                }
                let overrides = KeyOverrides(out);
                overrides.check().map_err(de::Error::custom)?;
                Ok(overrides)
            }
        }
        deserializer.deserialize_map(Table)
    }
}

/// The `[keys]` table in effect (built-in keys with config.toml's overrides), as config.toml
/// would write it: for `sfkey config show`.
pub fn effective_keys_toml(preferences: &crate::preferences::Preferences) -> String {
    let map = KeyMap::with(&preferences.keys);
    // One line per action: an action in several contexts has the same keys in all.
    let mut lines: BTreeMap<usize, String> = BTreeMap::new();
    for action in Action::ALL {
        let Some((at, row)) = map
            .rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.binding.action == *action)
        else {
            continue;
        };
        let keys: Vec<String> = row
            .keys
            .iter()
            .map(|k| format!("{:?}", k.config_name()))
            .collect();
        lines.insert(at, format!("{} = [{}]\n", action.name(), keys.join(", ")));
    }
    let mut out = String::from("[keys]\n");
    out.extend(lines.into_values());
    out
}
