//! The named styles every view draws with, and the built-in `dark` and `light` themes that
//! config.toml's `[theme]` starts from. No view spells a colour: each asks for a style here.
//!
//! The theme in use is set once per frame by [`super::draw`] from `App`'s environment
//! ([`Scope::enter`]); views read it with [`theme`]. A thread-local rather than a parameter
//! because some forty view functions would otherwise each carry it, and a frame is drawn on one
//! thread from start to end; a view drawn outside `draw` (a unit test) gets the dark theme.

use std::cell::Cell;

use ratatui::style::{Color, Modifier, Style};

use crate::org::Environment;
use crate::preferences::{DEFAULT_MASK_CHAR, ThemeBase, ThemePrefs};

/// Every named style, and the character that masks secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Key names in hints and help, field names in panes.
    pub key: Style,
    /// The focused form field, the default answer, the status line's keys.
    pub accent: Style,
    /// The app's name in the header.
    pub title: Style,
    /// Borders of panes without focus.
    pub border: Style,
    /// The border of the pane j/k act on.
    pub focused_border: Style,
    /// The selected org's row.
    pub selected: Style,
    /// Hints, notes and empty values.
    pub dim: Style,
    /// Errors that are not urgent.
    pub error: Style,
    /// What needs the user now.
    pub alarm: Style,
    /// Warnings: expired, idle, revealed.
    pub warning: Style,
    /// Good news.
    pub ok: Style,
    /// A masked secret.
    pub masked: Style,
    /// The DEMO banner.
    pub banner: Style,
    /// Environment badges: production, sandbox, My Domain, site, local.
    pub badges: [Style; 5],
    /// The character that masks secrets (`[tui] mask_char`).
    pub mask_char: char,
}

const fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

const fn bold(style: Style) -> Style {
    style.add_modifier(Modifier::BOLD)
}

impl Theme {
    /// sfkey's colours from the start, for dark terminals.
    pub const DARK: Theme = Theme {
        key: fg(Color::Cyan),
        accent: bold(fg(Color::Cyan)),
        title: bold(Style::new()),
        border: fg(Color::DarkGray),
        focused_border: fg(Color::Cyan),
        selected: Style::new().add_modifier(Modifier::REVERSED.union(Modifier::BOLD)),
        dim: fg(Color::DarkGray),
        error: fg(Color::Red),
        alarm: bold(fg(Color::Red)),
        warning: fg(Color::Yellow),
        ok: fg(Color::Green),
        masked: fg(Color::DarkGray),
        banner: bold(fg(Color::Black).bg(Color::Yellow)),
        badges: [
            fg(Color::Red),
            fg(Color::Green),
            fg(Color::Blue),
            fg(Color::Magenta),
            fg(Color::Yellow),
        ],
        mask_char: DEFAULT_MASK_CHAR,
    };

    /// For light terminals: no yellow, cyan or light grey text, which fade on white.
    pub const LIGHT: Theme = Theme {
        key: fg(Color::Blue),
        accent: bold(fg(Color::Blue)),
        border: fg(Color::Gray),
        focused_border: fg(Color::Blue),
        dim: fg(Color::Indexed(243)),
        warning: fg(Color::Indexed(130)),
        ok: fg(Color::Indexed(28)),
        masked: fg(Color::Indexed(243)),
        badges: [
            fg(Color::Red),
            fg(Color::Indexed(28)),
            fg(Color::Blue),
            fg(Color::Magenta),
            fg(Color::Indexed(130)),
        ],
        // Red, bold and reverse, and black on yellow, read on white as well.
        ..Theme::DARK
    };

    /// The theme config.toml asks for; with `no_color` (NO_COLOR set) every colour is dropped
    /// and only bold, reverse and the like stay, so the selection still shows.
    pub fn from_prefs(prefs: &ThemePrefs, mask_char: char, no_color: bool) -> Theme {
        let mut theme = match prefs.base {
            ThemeBase::Dark => Theme::DARK,
            ThemeBase::Light => Theme::LIGHT,
        };
        for (style, spec) in theme.styles_mut().into_iter().zip(prefs.specs()) {
            if let Some(spec) = spec {
                *style = spec.over(*style);
            }
        }
        theme.mask_char = mask_char;
        if no_color {
            for style in theme.styles_mut() {
                *style = Style {
                    fg: None,
                    bg: None,
                    underline_color: None,
                    ..*style
                };
            }
        }
        theme
    }

    /// Every named style, in the order of [`ThemePrefs::NAMES`].
    fn styles_mut(&mut self) -> [&mut Style; 18] {
        let [production, sandbox, my_domain, site, local] = &mut self.badges;
        [
            &mut self.key,
            &mut self.accent,
            &mut self.title,
            &mut self.border,
            &mut self.focused_border,
            &mut self.selected,
            &mut self.dim,
            &mut self.error,
            &mut self.alarm,
            &mut self.warning,
            &mut self.ok,
            &mut self.masked,
            &mut self.banner,
            production,
            sandbox,
            my_domain,
            site,
            local,
        ]
    }

    /// The badge of an environment in the org list.
    pub fn badge(&self, env: Environment) -> Style {
        let i = match env {
            Environment::Production => 0,
            Environment::Sandbox => 1,
            Environment::MyDomain => 2,
            Environment::Site => 3,
            Environment::Local => 4,
        };
        self.badges[i]
    }

    /// A status code's style: 2xx ok, 3xx warning, the rest error.
    pub fn status_code(&self, code: u16) -> Style {
        match code {
            200..=299 => self.ok,
            300..=399 => self.warning,
            _ => self.error,
        }
    }

    /// `text` (a masked value from `TextInput::shown` or `redact::mask`) with the dots
    /// replaced by the mask character.
    pub fn mask(&self, text: &str) -> String {
        if self.mask_char == DEFAULT_MASK_CHAR {
            text.to_string()
        } else {
            text.replace(DEFAULT_MASK_CHAR, &self.mask_char.to_string())
        }
    }
}

/// A colour as config.toml writes it: `dark-gray`, `#1E90FF`, `243`.
fn color_name(color: Color) -> String {
    let mut out = String::new();
    for (i, c) in color.to_string().chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.starts_with('#') {
            out.push('-');
        }
        out.push(if out.starts_with('#') {
            c
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

/// One style as a config.toml inline table: `{ fg = "cyan", bold = true }`.
fn style_toml(style: Style) -> String {
    let mut parts = Vec::new();
    for (name, color) in [("fg", style.fg), ("bg", style.bg)] {
        if let Some(color) = color {
            parts.push(format!("{name} = \"{}\"", color_name(color)));
        }
    }
    for (name, modifier) in [
        ("bold", Modifier::BOLD),
        ("italic", Modifier::ITALIC),
        ("underline", Modifier::UNDERLINED),
        ("reversed", Modifier::REVERSED),
    ] {
        if style.add_modifier.contains(modifier) {
            parts.push(format!("{name} = true"));
        }
    }
    if parts.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

impl Theme {
    /// The `[theme]` table in effect, every named style written out: for `sfkey config show`.
    pub fn to_toml(&self, base: ThemeBase) -> String {
        let mut out = format!("[theme]\nbase = \"{}\"\n", base.as_str());
        let mut theme = *self;
        let named = ThemePrefs::NAMES.into_iter().zip(theme.styles_mut());
        for (name, style) in named {
            out.push_str(&format!("{name} = {}\n", style_toml(*style)));
        }
        out
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::DARK
    }
}

thread_local! {
    static CURRENT: Cell<Theme> = const { Cell::new(Theme::DARK) };
}

/// The theme of the frame being drawn.
pub fn theme() -> Theme {
    CURRENT.with(Cell::get)
}

/// While alive, [`theme`] answers the theme given; the previous one comes back on drop.
#[must_use]
pub struct Scope(Theme);

impl Scope {
    /// Makes `theme` the one views draw with until the scope ends.
    pub fn enter(theme: Theme) -> Scope {
        Scope(CURRENT.with(|c| c.replace(theme)))
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}
