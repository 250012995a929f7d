//! Strings from the account or the API are untrusted: anyone with console
//! access can name a resource, and error messages, order ids, coupon ids,
//! times and request ids come over the wire. Every renderer passes them
//! through this module, one function per output, so that no such string can
//! move the cursor, start a line of its own, load an image, mention people or
//! forge the PR comment's marker.
//!
//! - [`text`] (terminal, prompts, errors): control characters (C0 including
//!   ESC, CR, LF and TAB; DEL; C1), the bidi controls (U+061C, U+200E,
//!   U+200F, U+202A–U+202E, U+2066–U+2069) and invisible characters that can
//!   hide or split text (U+200B, U+2028, U+2029, U+2060–U+206F, U+FEFF,
//!   U+FFF9–U+FFFB, the tag characters U+E0000–U+E007F) are shown escaped:
//!   `\n`, `\r`, `\t`, `\x1b`, `\u{202e}`. A backslash is doubled, so `\x1b`
//!   in the output always stands for an escaped character, never for a name
//!   that spells it.
//! - [`markdown`] (prose and table cells of a PR comment): the same escapes,
//!   plus HTML (`<` `>` `&` as entities, so no tag and no `<!--` can form),
//!   the table delimiter `|`, code and emphasis delimiters (`` ` `` `*` `~`),
//!   the `](` of a link or an image, and a zero-width space after `@` and
//!   `#`, so neither a mention nor a reference is live.
//! - [`markdown_code`]: an id in code font. A one-backtick code span when the
//!   id needs no escaping at all (so it holds no backtick and the fence
//!   cannot be closed from inside); otherwise `<code>` around the escaped
//!   text, because inside a code span nothing can be escaped.
//! - [`markdown_fenced`]: a line inside a fenced block: [`text`], so it
//!   cannot end the block, and never an HTML comment opener.
//!
//! Strings that need nothing come back borrowed: ordinary names render
//! exactly as they are. JSON needs nothing here: serde escapes, and
//! docs/plan-json.md tells consumers that names are untrusted.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters never written as they are.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// `\n`, `\r`, `\t`, `\x1b` (up to U+00FF), `\u{202e}`.
fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if u32::from(c) <= 0xFF => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// For the terminal: one line, no control or bidi character, backslashes
/// doubled.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\\' || is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if is_unsafe(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Characters markdown gives a meaning to, in the places bssctl writes
/// untrusted text (inline, never at the start of a line). `_` is left alone:
/// inside words it means nothing, and bssctl's own words use it. Brackets
/// are handled apart: only `](` makes a link or an image.
fn is_markdown_special(c: char) -> bool {
    matches!(
        c,
        '\\' | '`' | '|' | '*' | '~' | '<' | '>' | '&' | '@' | '#'
    )
}

/// For a PR comment's prose or table cell: shows what [`text`] shows, and no
/// markup from the string takes effect.
pub fn markdown(s: &str) -> Cow<'_, str> {
    if !s.contains("](") && !s.chars().any(|c| is_markdown_special(c) || is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // `[x](url)` is a link, `![x](url)` an image: break `](`.
            ']' if chars.peek() == Some(&'(') => out.push_str("\\]"),
            // Shown as `\\`, as in text.
            '\\' => out.push_str("\\\\\\\\"),
            // `\\x1b` shows as `\x1b`.
            c if is_unsafe(c) => {
                out.push('\\');
                push_escape(&mut out, c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space: `@everyone` and `#12` stay words.
            '@' => out.push_str("@&#8203;"),
            '#' => out.push_str("#&#8203;"),
            c if is_markdown_special(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// An id in code font.
pub fn markdown_code(s: &str) -> String {
    match markdown(s) {
        Cow::Borrowed(plain) if !plain.is_empty() => format!("`{plain}`"),
        escaped => format!("<code>{escaped}</code>"),
    }
}

/// A line inside a fenced code block (nothing is decoded there): one line,
/// and a zero-width space keeps `<!` from opening an HTML comment.
pub fn markdown_fenced(s: &str) -> Cow<'_, str> {
    let t = text(s);
    if t.contains("<!") {
        Cow::Owned(t.replace("<!", "<\u{200B}!"))
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "\x1b[1A\x1b[2K\n  + renew 3y fake-line | ` <img src=https://x/t.png> @everyone <!-- bssctl-plan-comment --> #1 \u{202e}";

    #[test]
    fn ordinary_strings_are_borrowed_unchanged() {
        for s in [
            "prod-web-01",
            "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978",
            "Web server (prod), 東京",
            "on_expiry: none → auto_renew",
            "",
        ] {
            assert!(matches!(text(s), Cow::Borrowed(x) if x == s), "{s}");
            assert!(matches!(markdown(s), Cow::Borrowed(x) if x == s), "{s}");
        }
        assert_eq!(markdown_code("CS2611220930RJPYC"), "`CS2611220930RJPYC`");
    }

    #[test]
    fn text_escapes_controls_bidi_and_backslashes() {
        assert_eq!(text("a\x1b[2Kb"), "a\\x1b[2Kb");
        assert_eq!(text("a\nb\r\tc\x7f\u{9b}"), "a\\nb\\r\\tc\\x7f\\x9b");
        assert_eq!(text("abc\u{202e}fed\u{2066}"), "abc\\u{202e}fed\\u{2066}");
        assert_eq!(
            text("\u{200b}\u{feff}\u{2028}"),
            "\\u{200b}\\u{feff}\\u{2028}"
        );
        // A name that spells an escape cannot pass for one.
        assert_eq!(text("a\\x1b"), "a\\\\x1b");
        let t = text(HOSTILE);
        assert!(!t.chars().any(|c| c.is_control()), "{t}");
        assert!(t.starts_with("\\x1b[1A\\x1b[2K\\n  + renew 3y"), "{t}");
    }

    #[test]
    fn markdown_neutralises_html_mentions_tables_and_the_marker() {
        let m = markdown(HOSTILE);
        assert!(!m.contains('<') && !m.contains('>'), "{m}");
        assert!(!m.contains("@everyone") && !m.contains("#1"), "{m}");
        assert!(
            !m.contains('\n') && !m.chars().any(|c| c.is_control()),
            "{m}"
        );
        assert!(m.contains("\\|") && m.contains("\\`"), "{m}");
        assert!(m.starts_with("\\\\x1b[1A"), "{m}");
        assert_eq!(markdown("![x](https://t/p.png)"), "![x\\](https://t/p.png)");
        assert!(matches!(markdown("resources[0].name"), Cow::Borrowed(_)));
        assert_eq!(markdown("a\\b"), "a\\\\\\\\b");
    }

    #[test]
    fn code_uses_a_span_only_when_nothing_needs_escaping() {
        assert_eq!(markdown_code("a`b"), "<code>a\\`b</code>");
        assert_eq!(markdown_code("x|<y>"), "<code>x\\|&lt;y&gt;</code>");
        assert_eq!(markdown_code(""), "<code></code>");
    }

    #[test]
    fn fenced_lines_stay_one_line_and_open_no_comment() {
        let f = markdown_fenced("x\n```\n<!-- bssctl-plan-comment -->");
        assert!(!f.contains('\n') && !f.contains("<!--"), "{f}");
    }
}
