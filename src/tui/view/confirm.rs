//! The delete question (key d).

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::org::Org;

use super::super::keymap::{Context, KeyMap};
use super::question::Question;

/// Asks before deleting an org; sized to its wrapped text, so the keys always show.
pub fn draw(frame: &mut Frame, org: &Org, keys: &KeyMap, area: Rect) {
    let question = format!("Delete {} and its secrets in the keyring?", org.name);
    let question = Question {
        keys,
        context: Context::Confirm,
        title: "Delete org",
        question: &question,
        note: "The refresh token cannot be recovered; you would need to log in again.",
        yes: "delete",
        no: "keep",
    };
    super::question::draw(frame, &question, area);
}
