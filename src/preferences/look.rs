//! config.toml's `[theme]` and `[tui]`: how the terminal app looks. Only parsing lives here; the
//! built-in themes and what each named style colours are in `tui/view/style.rs`.

use std::fmt;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// The character that masks a secret unless `[tui] mask_char` says otherwise.
pub const DEFAULT_MASK_CHAR: char = '•';

/// The built-in themes a `[theme]` starts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeBase {
    /// Light text on a dark terminal (sfkey's colours from the start).
    #[default]
    Dark,
    /// Dark text on a light terminal: no yellow or light grey text.
    Light,
}

impl ThemeBase {
    /// The name as written in config.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dark => "dark",
            Self::Light => "light",
        }
    }
}

/// One named style as written: a colour (`"cyan"`, `"#1e90ff"`, `"208"`) or a table
/// (`{ fg = "red", bg = "black", bold = true }`); what it leaves out keeps the base's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StyleSpec {
    /// The text colour.
    pub fg: Option<Color>,
    /// The background colour.
    pub bg: Option<Color>,
    /// Bold on or off.
    pub bold: Option<bool>,
    /// Italic on or off.
    pub italic: Option<bool>,
    /// Underlined on or off.
    pub underline: Option<bool>,
    /// Foreground and background swapped, on or off.
    pub reversed: Option<bool>,
}

impl StyleSpec {
    /// `base` with what this spec says laid over it.
    pub fn over(self, base: Style) -> Style {
        let mut style = base;
        if let Some(fg) = self.fg {
            style = style.fg(fg);
        }
        if let Some(bg) = self.bg {
            style = style.bg(bg);
        }
        for (flag, modifier) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ] {
            style = match flag {
                Some(true) => style.add_modifier(modifier),
                Some(false) => style.remove_modifier(modifier),
                None => style,
            };
        }
        style
    }
}

fn parse_color(text: &str) -> Result<Color, String> {
    text.parse::<Color>().map_err(|_| {
        format!(
            "{:?} is not a colour; use a name (red, dark-gray, light-blue, reset...), #rrggbb or an index 0-255",
            crate::escape::escape(text)
        )
    })
}

/// The table form of a style; its own struct so unknown keys are named with their place.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleTable {
    fg: Option<String>,
    bg: Option<String>,
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reversed: Option<bool>,
}

impl<'de> Deserialize<'de> for StyleSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpecVisitor;
        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = StyleSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a colour or a table like { fg = \"red\", bold = true }")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<StyleSpec, E> {
                Ok(StyleSpec {
                    fg: Some(parse_color(text).map_err(E::custom)?),
                    ..StyleSpec::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StyleSpec, A::Error> {
                let table = StyleTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let color = |c: Option<String>| {
                    c.map(|c| parse_color(&c))
                        .transpose()
                        .map_err(de::Error::custom)
                };
                Ok(StyleSpec {
                    fg: color(table.fg)?,
                    bg: color(table.bg)?,
                    bold: table.bold,
                    italic: table.italic,
                    underline: table.underline,
                    reversed: table.reversed,
                })
            }
        }
        deserializer.deserialize_any(SpecVisitor)
    }
}

/// `[theme]`: the base theme and any named style changed. The names are the fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemePrefs {
    /// The built-in theme to start from (`dark` or `light`).
    pub base: ThemeBase,
    /// Key names in hints and help, field names in panes.
    pub key: Option<StyleSpec>,
    /// What asks for the eye: the focused form field, the default answer, the status line's keys.
    pub accent: Option<StyleSpec>,
    /// The app's name in the header.
    pub title: Option<StyleSpec>,
    /// Borders of panes without focus.
    pub border: Option<StyleSpec>,
    /// The border of the pane j/k act on.
    pub focused_border: Option<StyleSpec>,
    /// The selected org's row.
    pub selected: Option<StyleSpec>,
    /// Hints, notes and empty values.
    pub dim: Option<StyleSpec>,
    /// Errors that are not urgent (a field's mistake, a failed refresh in the list).
    pub error: Option<StyleSpec>,
    /// What needs the user now: a dead token, an unsaved refresh token, a signature mismatch.
    pub alarm: Option<StyleSpec>,
    /// Warnings: expired, idle, revealed.
    pub warning: Option<StyleSpec>,
    /// Good news: a fresh token, a 2xx answer.
    pub ok: Option<StyleSpec>,
    /// A masked secret.
    pub masked: Option<StyleSpec>,
    /// The DEMO banner.
    pub banner: Option<StyleSpec>,
    /// The production badge in the org list.
    pub production: Option<StyleSpec>,
    /// The sandbox badge.
    pub sandbox: Option<StyleSpec>,
    /// The My Domain badge.
    pub my_domain: Option<StyleSpec>,
    /// The Experience Cloud site badge.
    pub site: Option<StyleSpec>,
    /// The local (fake server) badge.
    pub local: Option<StyleSpec>,
}

impl ThemePrefs {
    /// Every named style's name, as in config.toml; [`Self::specs`] follows this order.
    pub const NAMES: [&str; 18] = [
        "key",
        "accent",
        "title",
        "border",
        "focused_border",
        "selected",
        "dim",
        "error",
        "alarm",
        "warning",
        "ok",
        "masked",
        "banner",
        "production",
        "sandbox",
        "my_domain",
        "site",
        "local",
    ];

    /// What config.toml says of each named style, in the order of [`Self::NAMES`].
    pub fn specs(&self) -> [Option<StyleSpec>; 18] {
        [
            self.key,
            self.accent,
            self.title,
            self.border,
            self.focused_border,
            self.selected,
            self.dim,
            self.error,
            self.alarm,
            self.warning,
            self.ok,
            self.masked,
            self.banner,
            self.production,
            self.sandbox,
            self.my_domain,
            self.site,
            self.local,
        ]
    }
}

/// `[theme]` as a table, or `theme = "light"` for the base alone.
pub(super) fn theme_or_base<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<ThemePrefs, D::Error> {
    struct ThemeVisitor;
    impl<'de> Visitor<'de> for ThemeVisitor {
        type Value = ThemePrefs;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a [theme] table, or \"dark\" or \"light\"")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<ThemePrefs, E> {
            let base = ThemeBase::deserialize(de::value::StrDeserializer::<E>::new(text))?;
            Ok(ThemePrefs {
                base,
                ..ThemePrefs::default()
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ThemePrefs, A::Error> {
            ThemePrefs::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_any(ThemeVisitor)
}

/// Narrowest and widest org column `[tui] org_column_width` may ask for.
pub const ORG_COLUMN_RANGE: (u16, u16) = (20, 100);

/// `[tui]`: small choices about the terminal app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuiPrefs {
    /// Columns of the org list in the wide layout; by default 35% of the width, 30 to 48.
    pub org_column_width: Option<u16>,
    /// The character that masks secrets.
    pub mask_char: Option<char>,
}

impl TuiPrefs {
    /// The mask character in use.
    pub fn mask_char(&self) -> char {
        self.mask_char
            .filter(|c| !c.is_control() && !c.is_whitespace())
            .unwrap_or(DEFAULT_MASK_CHAR)
    }

    /// The org column's width for a terminal `width` columns wide: the choice clamped so the
    /// panes keep at least 40 columns, else the default share.
    pub fn org_column(&self, width: u16) -> u16 {
        match self.org_column_width {
            Some(chosen) => chosen
                .clamp(ORG_COLUMN_RANGE.0, ORG_COLUMN_RANGE.1)
                .min(width.saturating_sub(40))
                .max(ORG_COLUMN_RANGE.0.min(width / 2)),
            None => u16::try_from(u32::from(width) * 35 / 100)
                .unwrap_or(u16::MAX)
                .clamp(30, 48),
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier, Style};

    use super::*;
    use crate::preferences::parse;

    #[test]
    fn styles_take_names_hex_indexes_and_modifiers() {
        let p = parse(
            "[theme]\nbase = \"light\"\nkey = \"dark-gray\"\nok = \"#1e90ff\"\nwarning = \"208\"\nerror = { fg = \"red\", bg = \"black\", bold = true, italic = true, underline = false, reversed = true }\n",
        )
        .unwrap();
        assert_eq!(p.theme.base, ThemeBase::Light);
        assert_eq!(p.theme.key.unwrap().fg, Some(Color::DarkGray));
        assert_eq!(p.theme.ok.unwrap().fg, Some(Color::Rgb(0x1e, 0x90, 0xff)));
        assert_eq!(p.theme.warning.unwrap().fg, Some(Color::Indexed(208)));
        let error = p.theme.error.unwrap();
        let base = Style::new().add_modifier(Modifier::UNDERLINED);
        let style = error.over(base);
        assert_eq!((style.fg, style.bg), (Some(Color::Red), Some(Color::Black)));
        assert!(
            style
                .add_modifier
                .contains(Modifier::BOLD | Modifier::ITALIC | Modifier::REVERSED)
        );
        assert!(!style.add_modifier.contains(Modifier::UNDERLINED));
        // A colour alone keeps the base's modifiers.
        let bold = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
        let over = p.theme.key.unwrap().over(bold);
        assert_eq!(over.fg, Some(Color::DarkGray));
        assert!(over.add_modifier.contains(Modifier::BOLD));
        assert_eq!(parse("").unwrap().theme, ThemePrefs::default());
        let short = parse("theme = \"light\"\n").unwrap().theme;
        assert_eq!(short.base, ThemeBase::Light);
        let err = parse("theme = \"solarized\"\n").unwrap_err();
        assert!(
            err.contains("line 1, column 9") && err.contains("dark"),
            "{err}"
        );
    }

    #[test]
    fn theme_and_tui_mistakes_name_the_place() {
        let err = parse("[theme]\nkey = \"cyaan\"\n").unwrap_err();
        assert!(
            err.contains("line 2, column 7") && err.contains("cyaan"),
            "{err}"
        );
        let err = parse("[theme]\nbase = \"solarized\"\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("light"), "{err}");
        let err = parse("[theme]\n\nkeys = \"red\"\n").unwrap_err();
        assert!(
            err.contains("line 3, column 1") && err.contains("keys"),
            "{err}"
        );
        let err = parse("[theme]\nerror = { fg = \"red\", blink = true }\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("blink"), "{err}");
        let err = parse("[tui]\norg_colum_width = 30\n").unwrap_err();
        assert!(
            err.contains("line 2, column 1") && err.contains("org_colum_width"),
            "{err}"
        );
        let err = parse("[tui]\nmask_char = \"ab\"\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn tui_choices_are_clamped() {
        let tui = parse("[tui]\norg_column_width = 60\nmask_char = \"*\"\n")
            .unwrap()
            .tui;
        assert_eq!(tui.mask_char(), '*');
        assert_eq!(tui.org_column(200), 60);
        assert_eq!(tui.org_column(90), 50, "the panes keep 40 columns");
        assert_eq!(
            TuiPrefs {
                org_column_width: Some(500),
                ..tui
            }
            .org_column(300),
            100
        );
        assert_eq!(
            TuiPrefs {
                org_column_width: Some(1),
                ..tui
            }
            .org_column(100),
            20
        );
        assert_eq!(TuiPrefs::default().org_column(100), 35);
        assert_eq!(TuiPrefs::default().mask_char(), DEFAULT_MASK_CHAR);
        // A mask that would not show falls back to the default.
        let blank = TuiPrefs {
            mask_char: Some(' '),
            ..tui
        };
        assert_eq!(blank.mask_char(), DEFAULT_MASK_CHAR);
    }
}
