//! Free text people type: names on one line, descriptions over several.
//! Control characters are refused, and so are the invisible direction
//! controls (right-to-left override and its kin), which can make a name
//! display as something it is not: "Acme\u{202E}moc.evil" reads as
//! "Acmelive.com" on screen.

/// A character that changes the display direction of the text around it.
pub fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// What a person is told when their text holds one.
pub const DIRECTION_CONTROLS: &str = "Remove the invisible direction-control characters (such as U+202E).";

/// `text` trimmed, 1 to `max` characters; line breaks and tabs are allowed
/// only when `multiline`. The error says what to change.
pub fn check(text: &str, max: usize, multiline: bool, missing: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(missing.to_owned());
    }
    if t.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    if t.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err("Remove control characters.".into());
    }
    if t.chars().any(is_direction_control) {
        return Err(DIRECTION_CONTROLS.into());
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_right_to_left_override_in_a_name_is_refused() {
        assert_eq!(check("Acme\u{202E}moc.evil", 100, false, "Enter a name."), Err(DIRECTION_CONTROLS.into()));
        assert!(check("Acme \u{2067}x\u{2069}", 100, true, "x").is_err(), "isolates too");
    }

    #[test]
    fn right_to_left_script_itself_is_welcome() {
        assert_eq!(check("شركة أكمي", 100, false, "x").as_deref(), Ok("شركة أكمي"));
        assert_eq!(check("חברה", 100, false, "x").as_deref(), Ok("חברה"));
    }

    #[test]
    fn line_breaks_are_for_multiline_text_only() {
        assert!(check("one\ntwo", 100, true, "x").is_ok());
        assert_eq!(check("one\ntwo", 100, false, "x"), Err("Remove control characters.".into()));
    }

    #[test]
    fn empty_and_overlong_text_say_so() {
        assert_eq!(check("   ", 10, false, "Give it a name."), Err("Give it a name.".into()));
        assert_eq!(check("abcdefghijk", 10, false, "x"), Err("Use at most 10 characters.".into()));
    }
}
