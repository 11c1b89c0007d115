//! AI-usage evidence rules: how task text from the evidence data is matched to O*NET tasks.

/// The matching key for a task statement: lower-cased, white space collapsed, trailing
/// period dropped. Evidence files carry task text (sometimes lower-cased), not task IDs.
pub fn task_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    while out.ends_with('.') {
        out.pop();
    }
    out
}

/// A release label from an evidence folder name (`release_2025_02_10` → `2025-02-10`).
pub fn release_label(folder: &str) -> String {
    match folder.strip_prefix("release_") {
        Some(rest) => rest.replace('_', "-"),
        None => folder.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_spacing_and_final_period() {
        assert_eq!(
            task_key("Inspect parts  for surface defects."),
            "inspect parts for surface defects"
        );
        assert_eq!(
            task_key("inspect parts for surface defects"),
            task_key("Inspect parts for surface defects.")
        );
    }

    #[test]
    fn release_labels() {
        assert_eq!(release_label("release_2025_02_10"), "2025-02-10");
        assert_eq!(
            release_label("labor_market_impacts"),
            "labor_market_impacts"
        );
    }
}
