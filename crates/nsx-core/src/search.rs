//! Search rules that need no index: how queries and titles are normalised before matching.

use unicode_normalization::UnicodeNormalization;

/// Lower-cases, removes accents and turns punctuation into spaces, keeping `+` and `#`
/// (C++, C#) and collapsing runs of white space.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = c.to_lowercase().next().unwrap_or(c);
        if c.is_alphanumeric() || c == '+' || c == '#' {
            out.push(c);
            last_space = false;
        } else if c == '\'' || c == '\u{2019}' {
            // "driver's" → "drivers"
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_titles() {
        assert_eq!(
            normalize("  Électro-Mechanical  Tech. "),
            "electro mechanical tech"
        );
        assert_eq!(normalize("C++ / C# Developer"), "c++ c# developer");
        assert_eq!(normalize("Driver's Helper"), "drivers helper");
    }
}
