//! The English grammar and spelling check of framework statements, with Harper
//! (`harper-core`): an offline checker whose dictionary and rules are compiled in.
//!
//! A statement is checked as the sentence a reader reads: a technical or AI-usage
//! performance is an imperative clause ("Calibrate the gauges …"), a durable performance a
//! third-person one ("The worker reads …"); the subject is checked for spelling alone, since
//! it is a noun phrase and not a sentence. Words the source release itself uses (task
//! statements, product and commodity names, element names) are added to Harper's dictionary,
//! so a product name such as "AutoCAD" is not a misspelling while a typo or a word cut in
//! half still is.
//!
//! Harper's style rules (sentence length, wordiness, "boring words") are off: they judge
//! taste, not correctness. What is left reports spelling, agreement, word choice, repeated
//! words, punctuation and the like; every finding names the Harper rule that made it.

use std::collections::BTreeSet;
use std::sync::Arc;

use harper_core::linting::{LintGroup, LintKind};
use harper_core::parsers::PlainEnglish;
use harper_core::spell::{Dictionary, FstDictionary, MergedDictionary, MutableDictionary};
use harper_core::{Dialect, DictWordMetadata, Document};

/// Harper rules that judge style rather than correctness; they never report.
pub const STYLE_RULES: &[&str] = &[
    "LongSentences",
    "BoringWords",
    "SentenceCapitalization",
    "Spaces",
    "ExpandTimeShorthands",
    "Dashes",
    "AvoidCurses",
    "SpelledNumbers",
    "UseTitleCase",
    "OxfordComma",
    "NoOxfordComma",
    "AdjectiveDoubleDegree",
    "UnclosedQuotes",
    "Ellipsis",
];

/// One problem Harper found in a piece of statement text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrammarIssue {
    /// `spelling` for unknown words, `grammar` for everything else.
    pub rule: &'static str,
    /// The Harper rule that reported it, e.g. `SpellCheck`, `AnA`, `RepeatedWords`.
    pub harper_rule: String,
    /// The text it points at.
    pub text: String,
    /// Harper's explanation.
    pub message: String,
}

/// A grammar checker: Harper's curated dictionary plus the source release's vocabulary.
/// Cheap to share across threads; each [`GrammarChecker::session`] holds its own rules.
#[derive(Clone)]
pub struct GrammarChecker {
    dict: Arc<MergedDictionary>,
}

impl std::fmt::Debug for GrammarChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GrammarChecker")
    }
}

/// The words of a text as the dictionary sees them: letters, digits and inner apostrophes.
fn vocabulary_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
}

impl GrammarChecker {
    /// A checker that also accepts every word of `vocabulary` (source texts and names).
    pub fn new<'a>(vocabulary: impl IntoIterator<Item = &'a str>) -> Self {
        let curated = FstDictionary::curated();
        let mut extra = MutableDictionary::new();
        let mut seen = BTreeSet::new();
        for text in vocabulary {
            for w in vocabulary_words(text) {
                if !curated.contains_word_str(w) && seen.insert(w.to_string()) {
                    extra.append_word_str(w, DictWordMetadata::default());
                }
            }
        }
        let mut dict = MergedDictionary::new();
        dict.add_dictionary(curated);
        dict.add_dictionary(Arc::new(extra));
        GrammarChecker {
            dict: Arc::new(dict),
        }
    }

    /// The rules, ready to check texts on this thread.
    pub fn session(&self) -> GrammarSession {
        let mut group = LintGroup::new_curated(self.dict.clone(), Dialect::American);
        for r in STYLE_RULES {
            group.config.set_rule_enabled(*r, false);
        }
        GrammarSession {
            dict: self.dict.clone(),
            group,
        }
    }
}

/// A checker's rules in use on one thread.
pub struct GrammarSession {
    dict: Arc<MergedDictionary>,
    group: LintGroup,
}

impl GrammarSession {
    /// Checks a sentence.
    pub fn check_sentence(&mut self, text: &str) -> Vec<GrammarIssue> {
        let doc = Document::new(text, &PlainEnglish, self.dict.as_ref());
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let mut by_rule: Vec<(String, Vec<harper_core::linting::Lint>)> =
            self.group.organized_lints(&doc).into_iter().collect();
        by_rule.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, lints) in by_rule {
            for l in lints {
                out.push(GrammarIssue {
                    rule: if l.lint_kind == LintKind::Spelling {
                        "spelling"
                    } else {
                        "grammar"
                    },
                    harper_rule: name.clone(),
                    text: l.span.get_content_string(&chars),
                    message: l.message,
                });
            }
        }
        out
    }

    /// Checks a noun phrase for spelling only.
    pub fn check_spelling(&mut self, text: &str) -> Vec<GrammarIssue> {
        self.check_sentence(text)
            .into_iter()
            .filter(|i| i.rule == "spelling")
            .collect()
    }
}

/// The sentence a performance stands for: imperative ("Inspect …") for technical and
/// AI-usage statements, third person ("The worker reads …") for a durable one whose verb
/// takes an -s.
pub fn as_sentence(performance: &str, third_person: bool) -> String {
    let p = performance.trim();
    let mut s = if third_person {
        format!("The worker {p}")
    } else {
        let mut c = p.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => String::new(),
        }
    };
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> GrammarChecker {
        GrammarChecker::new(["Use AutoCAD and SolidWorks to draft parts."])
    }

    #[test]
    fn a_misspelling_is_found_and_a_source_word_is_not() {
        let mut s = checker().session();
        let bad = s.check_sentence("Calibrate the presure gauges before each shift.");
        assert!(
            bad.iter()
                .any(|i| i.rule == "spelling" && i.text == "presure"),
            "{bad:?}"
        );
        let good = s.check_sentence("Draft assemblies in AutoCAD before each shift.");
        assert!(good.is_empty(), "{good:?}");
    }

    #[test]
    fn an_article_error_is_grammar() {
        let mut s = checker().session();
        let bad = s.check_sentence("Record an defect in the log before the shift ends.");
        assert!(bad.iter().any(|i| i.rule == "grammar"), "{bad:?}");
        let good = s.check_sentence("Record a defect in the log before the shift ends.");
        assert!(good.is_empty(), "{good:?}");
    }

    #[test]
    fn a_repeated_word_is_grammar() {
        let mut s = checker().session();
        let bad = s.check_sentence("Inspect the the welds for cracks.");
        assert!(bad.iter().any(|i| i.rule == "grammar"), "{bad:?}");
    }

    #[test]
    fn sentences_are_built_from_performances() {
        assert_eq!(as_sentence("inspect welds", false), "Inspect welds.");
        assert_eq!(
            as_sentence("reads drawings.", true),
            "The worker reads drawings."
        );
    }
}
