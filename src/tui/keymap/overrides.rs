//! `[keys]` in config.toml: action names to key lists, checked as the file is read, so an
//! unknown action, a key sfkey cannot read or a key bound twice in one screen is an error with
//! the file's line and column, and the TUI never starts with a table it cannot use.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};

use super::{Action, Context, Key, KeyMap};

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

/// A non-empty key list.
struct KeyList(Vec<Key>);

impl<'de> de::Deserialize<'de> for KeyList {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let keys = Vec::<Key>::deserialize(deserializer)?;
        if keys.is_empty() {
            return Err(de::Error::custom(
                "an action needs at least one key (an empty list would leave it unreachable)",
            ));
        }
        Ok(Self(keys))
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
                    let KeyList(keys) = map.next_value()?;
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
