//! A parser for O*NET task statements.
//!
//! Task statements follow a regular grammar: an imperative verb or a coordinated list of
//! verbs ("Set up, operate, and maintain"), sometimes a preposition the verb takes
//! ("Consult with"), an object noun phrase, and then adjuncts — a purpose ("to ensure …",
//! "in order to …"), means ("using …", "with …", "by …"), beneficiaries or reasons
//! ("for …"), places and times ("in …", "before …"). [`parse_task`] splits a statement
//! into those parts and says whether the split is *clean*: whether the object can stand
//! alone as a statement's subject and the rest still reads as a verb phrase without it.
//! The drafter only takes a subject from a clean parse; otherwise it falls back to the
//! task's Detailed Work Activity.

use super::editorial::{
    adverb_end, dangling_prepositions, is_adverb, lone_participle, over_in_subject, participle_end,
    subject_function_word, takes_complement, unbalanced_brackets, verb_in_phrase,
};

/// Particles that belong to the verb before them ("set up", "look over").
const PARTICLES: &[&str] = &["up", "out", "over", "down", "off", "back"];

/// Prepositions a verb takes directly ("consult with machinists", "respond to calls").
const VERB_PREPOSITIONS: &[&str] = &["with", "on", "to", "for", "in", "at", "into", "about"];

/// Words and phrases that end the object and open an adjunct, longest first where one
/// begins another.
const ADJUNCTS: &[&str] = &[
    "in order to",
    "in accordance with",
    "according to",
    "so that",
    "such as",
    "based on",
    "due to",
    "using",
    "to",
    "for",
    "with",
    "by",
    "in",
    "on",
    "at",
    "into",
    "onto",
    "over",
    "from",
    "so",
    "that",
    "which",
    "who",
    "whose",
    "under",
    "before",
    "after",
    "during",
    "as",
    "when",
    "while",
    "within",
    "through",
    "including",
    "throughout",
    "via",
    "without",
    "between",
    "among",
    "across",
    "alongside",
    "about",
    "against",
    "per",
    "if",
    "where",
];

/// Adjuncts that only make sense attached to the noun before them: an example list, a
/// relative clause, a comparison. An object followed by one of these cannot be lifted out.
const ATTACHED: &[&str] = &[
    "such as",
    "including",
    "that",
    "which",
    "who",
    "whose",
    "as",
    "based on",
    "due to",
    "between",
    "among",
    "per",
    "where",
];

/// Longest object taken as a subject, in characters.
pub const OBJECT_MAX_CHARS: usize = 70;
/// Longest object taken as a subject, in words.
pub const OBJECT_MAX_WORDS: usize = 9;

/// Why a parse is not clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unclean {
    /// No verb or no object was found.
    Empty,
    /// The object is too long to be a subject.
    LongObject,
    /// The object ends (or starts) on a function word or dangling punctuation.
    FunctionWord,
    /// The object's brackets do not pair up.
    Brackets,
    /// What follows the object depends on it (an example list, a relative clause).
    Attached,
    /// The verb phrase without the object leaves a preposition without its object.
    Dangling,
    /// The object is a clause ("how assemblies perform", "whether parts fit"), not a
    /// noun phrase.
    Clause,
}

/// Verbs that take a person and then what they are told of ("inform clients of delays",
/// "warn drivers of hazards"): the "of" phrase is the verb's, so the object cannot be
/// lifted out with it ("Clients of delays").
pub(crate) const TELL_OF_VERBS: &[&str] = &[
    "inform", "notify", "advise", "apprise", "warn", "remind", "assure", "convince", "acquaint",
];

/// Words that open an object which is a state, not a thing ("keep informed of trends",
/// "stay abreast of developments").
pub(crate) const STATE_OPENERS: &[&str] = &["informed", "abreast", "apprised", "aware"];

/// Words that open a clause in object position.
const CLAUSE_OPENERS: &[&str] = &[
    "how", "what", "whether", "if", "where", "when", "why", "which", "who", "that",
];

/// A task statement split into its parts. Every part is text as written (whitespace
/// normalized), so joining them gives the statement back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTask {
    /// The verbs, lower case, particles included: `["set up", "operate", "maintain"]`.
    pub verbs: Vec<String>,
    /// The verb phrase as written, lower case: "set up, operate, and maintain".
    pub verb: String,
    /// A preposition the verb takes before its object ("with" in "consult with").
    pub preposition: Option<String>,
    /// The object noun phrase: "electromechanical assemblies".
    pub object: String,
    /// The adjuncts after the object, each opening with its marker word ("using hand
    /// tools", "to ensure conformance to specifications").
    pub adjuncts: Vec<String>,
    /// `None` when the object can be lifted out as a subject.
    pub unclean: Option<Unclean>,
}

fn low(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// Normalizes whitespace and drops the closing full stop.
pub fn clean_text(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c == ',' || c == ';' || c == '.' || c == ':' || c.is_whitespace())
        .to_string()
}

/// Adjectives whose "to" is their own ("difficult to reach locations"), not a purpose
/// clause's.
const TO_ADJECTIVES: &[&str] = &[
    "difficult",
    "hard",
    "easy",
    "impossible",
    "safe",
    "dangerous",
    "ready",
    "able",
    "unable",
    "likely",
    "unlikely",
];

/// Whether a word, without its surrounding punctuation, is `marker_word` (ASCII case
/// ignored; markers are ASCII). Allocation-free: the parser asks this for every word and
/// marker.
fn word_is(w: &str, marker_word: &str) -> bool {
    w.trim_matches(|c: char| !c.is_alphanumeric())
        .eq_ignore_ascii_case(marker_word)
}

/// The adjunct marker starting at word `i`, as its number of words.
fn adjunct_at(words: &[&str], i: usize, markers: &[&str]) -> Option<usize> {
    let first = words.get(i)?;
    if first.starts_with('(') {
        return None;
    }
    if i > 0 && word_is(first, "to") && TO_ADJECTIVES.iter().any(|a| word_is(words[i - 1], a)) {
        return None;
    }
    for m in markers {
        let mut parts = m.split(' ');
        if !parts.next().is_some_and(|p| word_is(first, p)) {
            continue;
        }
        let rest: Vec<&str> = parts.collect();
        if i + 1 + rest.len() > words.len() {
            continue;
        }
        if rest
            .iter()
            .enumerate()
            .all(|(k, p)| word_is(words[i + 1 + k], p))
        {
            return Some(1 + rest.len());
        }
    }
    None
}

fn depth_after(depth: i32, w: &str) -> i32 {
    depth + w.matches(['(', '[']).count() as i32 - w.matches([')', ']']).count() as i32
}

/// Words that follow a participle opening a clause ("taking into account", "advising
/// the crew", "noting any faults"), and that a noun modifier ending in "-ing" is not
/// followed by ("ceiling tiles", "roofing materials").
const CLAUSE_NEXT: &[&str] = &[
    "with", "into", "to", "for", "on", "in", "at", "from", "through", "that", "the", "a", "an",
    "all", "any", "each", "every", "their", "its", "them", "it", "his", "her", "out", "up", "down",
    "off",
];

/// Whether word `j` opens a participle clause after a comma ("recipes or menus, taking
/// into account …", "programs, advising or consulting with staff …"), which belongs to
/// the verb, not to the noun before it. A list of nouns ending in "-ing" ("clothing,
/// bedding") or of participles ("cleaning, sanding") is not one.
fn participle_clause_at(words: &[&str], j: usize) -> bool {
    let ing = |w: &str| {
        let w = low(w);
        w.len() > 5 && w.ends_with("ing") && w.chars().all(|c| c.is_ascii_alphabetic())
    };
    let clause_next = |k: usize| {
        words
            .get(k)
            .is_some_and(|w| CLAUSE_NEXT.contains(&low(w).as_str()) && !w.ends_with(','))
    };
    if j == 0 || !words[j - 1].ends_with(',') || !ing(words[j]) {
        return false;
    }
    if low(words[j - 1].trim_end_matches(',')).ends_with("ing") {
        return false;
    }
    match words.get(j + 1).map(|w| low(w)).as_deref() {
        Some("and" | "or") => words.get(j + 2).is_some_and(|w| ing(w)) && clause_next(j + 3),
        _ => clause_next(j + 1),
    }
}

/// Parses a task statement.
pub fn parse_task(text: &str) -> ParsedTask {
    let t = clean_text(text);
    let words: Vec<&str> = t.split(' ').filter(|w| !w.is_empty()).collect();
    let mut i = 0;
    let mut verbs: Vec<String> = Vec::new();
    let mut listed = false;
    let mut coordinated = false;
    // One verb and its particle; returns whether a comma followed it.
    let take_verb = |i: &mut usize, verbs: &mut Vec<String>| -> bool {
        let w = words[*i];
        *i += 1;
        let mut v = low(w);
        let mut comma = w.ends_with(',');
        if !comma
            && let Some(p) = words.get(*i)
            && PARTICLES.contains(&low(p).as_str())
            && words.len() > *i + 1
        {
            v.push(' ');
            v.push_str(&low(p));
            comma = p.ends_with(',');
            *i += 1;
        }
        verbs.push(v);
        comma
    };
    if !words.is_empty() {
        let mut comma = take_verb(&mut i, &mut verbs);
        loop {
            let next = words.get(i).map(|w| low(w));
            match next.as_deref() {
                // "design, develop and modify systems": a listed run may end on "and"
                // without a serial comma.
                Some("and" | "or")
                    if words.len() > i + 2 && (comma || verbs.len() == 1 || listed) =>
                {
                    i += 1;
                    take_verb(&mut i, &mut verbs);
                    coordinated = true;
                    break;
                }
                Some(_) if comma && verbs.len() < 6 && words.len() > i + 1 => {
                    listed = true;
                    comma = take_verb(&mut i, &mut verbs);
                }
                _ => break,
            }
        }
    }
    // A comma list that never reached "and"/"or" was the object, not verbs.
    if listed && !coordinated {
        verbs.truncate(1);
        i = 1;
        if words
            .get(1)
            .is_some_and(|p| PARTICLES.contains(&low(p).as_str()))
        {
            i = 2;
        }
    }
    // An adverb right after the verbs is theirs ("work closely with engineers").
    if words
        .get(i)
        .is_some_and(|w| is_adverb(w) && !w.ends_with(','))
        && words.len() > i + 1
    {
        i += 1;
    }
    let verb = words[..i.min(words.len())]
        .join(" ")
        .trim_end_matches(',')
        .to_lowercase();
    let mut preposition = None;
    if let Some(p) = words.get(i)
        && words.len() > i + 1
        && VERB_PREPOSITIONS.contains(&low(p).as_str())
        && !p.ends_with(',')
    {
        preposition = Some(low(p));
        i += 1;
    }
    // The object runs to the first adjunct outside brackets.
    let start = i;
    let mut depth = 0;
    let mut end = words.len();
    let mut participle_clause = false;
    for (j, w) in words.iter().enumerate().skip(start) {
        if j > start && depth == 0 && adjunct_at(&words, j, ADJUNCTS).is_some() {
            end = j;
            break;
        }
        if j > start && depth == 0 && participle_clause_at(&words, j) {
            end = j;
            participle_clause = true;
            break;
        }
        depth = depth_after(depth, w);
    }
    // An adverb closing the object is the verb's ("prepare patients physically for
    // procedures"): it opens the adjuncts instead.
    let mut adverb = None;
    if end > start + 1 && is_adverb(words[end - 1]) && !words[end - 2].ends_with(',') {
        adverb = Some(words[end - 1].trim_end_matches([',', ';']).to_string());
        end -= 1;
    }
    // Before a participle clause the object keeps its comma, so the task written whole
    // reads as it was written.
    let object = if participle_clause {
        words[start..end].join(" ")
    } else {
        words[start..end]
            .join(" ")
            .trim_end_matches([',', ';'])
            .to_string()
    };
    // Adjuncts: cut before each marker outside brackets, attached ones kept with the
    // adjunct before them.
    let mut adjuncts: Vec<String> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut depth = 0;
    let mut j = end;
    if let Some(a) = adverb {
        adjuncts.push(a);
        j += 1;
    }
    // A participle opening the adjunct keeps its first phrase ("taking into account …",
    // "advising or consulting with staff").
    let only_participles = |cur: &[&str]| {
        cur.iter().all(|w| {
            let w = low(w);
            w.ends_with("ing") || w == "and" || w == "or"
        })
    };
    while j < words.len() {
        let clause = depth == 0 && !cur.is_empty() && participle_clause_at(&words, j);
        let starts = clause
            || depth == 0
                && !cur.is_empty()
                && !only_participles(&cur)
                // "for surveillance or to gather evidence": coordinated adjuncts stay one.
                && !cur.last().is_some_and(|w| matches!(low(w).as_str(), "and" | "or"))
                && adjunct_at(&words, j, ADJUNCTS).is_some()
                && adjunct_at(&words, j, ATTACHED).is_none();
        if starts {
            let a = cur.join(" ");
            // Before a participle clause the comma stays (trimmed if the phrase ends there).
            let keep: &[char] = if clause { &[';'] } else { &[',', ';'] };
            adjuncts.push(a.trim_end_matches(keep).to_string());
            cur.clear();
        }
        // Skip the words of a multi-word marker so its inner words ("to" of "according
        // to") do not cut again.
        let n = if depth == 0 {
            adjunct_at(&words, j, ADJUNCTS).unwrap_or(1)
        } else {
            1
        };
        for w in &words[j..(j + n).min(words.len())] {
            cur.push(w);
            depth = depth_after(depth, w);
        }
        j += n;
    }
    if !cur.is_empty() {
        adjuncts.push(cur.join(" ").trim_end_matches([',', ';']).to_string());
    }
    let mut p = ParsedTask {
        verbs,
        verb,
        preposition,
        object,
        adjuncts,
        unclean: None,
    };
    p.unclean = if participle_clause {
        // The object would read as a whole only with the clause's comma, which a subject
        // cannot keep: the task is written whole.
        Some(Unclean::Clause)
    } else {
        p.check()
    };
    p
}

impl ParsedTask {
    fn check(&self) -> Option<Unclean> {
        if self.verbs.is_empty() || self.object.is_empty() {
            return Some(Unclean::Empty);
        }
        if self
            .object
            .split(' ')
            .next()
            .is_some_and(|w| CLAUSE_OPENERS.contains(&low(w).as_str()))
        {
            return Some(Unclean::Clause);
        }
        let object_words: Vec<String> = self.object.split(' ').map(low).collect();
        if object_words
            .first()
            .is_some_and(|w| STATE_OPENERS.contains(&w.as_str()))
        {
            return Some(Unclean::Clause);
        }
        // "notify attendants of vacancies": the "of" phrase belongs to the verb.
        if self
            .verbs
            .iter()
            .any(|v| TELL_OF_VERBS.contains(&v.as_str()))
            && object_words.iter().any(|w| w == "of")
        {
            return Some(Unclean::Attached);
        }
        let subject = self.subject();
        if subject.chars().count() > OBJECT_MAX_CHARS
            || subject.split(' ').count() > OBJECT_MAX_WORDS
        {
            return Some(Unclean::LongObject);
        }
        if subject.chars().count() < 3
            || subject_function_word(&subject).is_some()
            || !dangling_prepositions(&subject).is_empty()
        {
            return Some(Unclean::FunctionWord);
        }
        // "employees working (on projects)": a participle that needs what was cut.
        let words: Vec<String> = subject.split(' ').map(low).collect();
        if let [.., before, last] = words.as_slice()
            && last.ends_with("ing")
            && before.ends_with('s')
            && !before.ends_with("ss")
        {
            return Some(Unclean::Clause);
        }
        // "programs related (to safety)", "materials used (in production)": a participle
        // after the noun whose complement was the adjunct that follows; "farm machinery and
        // notify supervisors": a second verb phrase; "food trays over food warmers".
        if participle_end(&subject).is_some()
            || (words.len() == 1 && lone_participle(&subject))
            || verb_in_phrase(&subject).is_some()
            || over_in_subject(&subject)
            || adverb_end(&subject).is_some()
        {
            return Some(Unclean::Clause);
        }
        if unbalanced_brackets(&subject).is_some() {
            return Some(Unclean::Brackets);
        }
        if let Some(first) = self.adjuncts.first() {
            let w: Vec<&str> = first.split(' ').collect();
            if adjunct_at(&w, 0, ATTACHED).is_some() {
                return Some(Unclean::Attached);
            }
            // "changes in patients' conditions", "planning for all the food operations",
            // "control over budgets": the phrase is the noun's, and the verb cannot take it.
            if let (Some(last), Some(prep)) = (words.last(), w.first())
                && takes_complement(last, &low(prep))
            {
                return Some(Unclean::Attached);
            }
        }
        if !dangling_prepositions(&self.without_object()).is_empty() {
            return Some(Unclean::Dangling);
        }
        None
    }

    /// Whether the object can be lifted out as a subject.
    pub fn is_clean(&self) -> bool {
        self.unclean.is_none()
    }

    /// The object as a subject: leading article dropped, first letter capitalized.
    pub fn subject(&self) -> String {
        let mut o = self.object.trim();
        for a in ["the ", "a ", "an ", "all ", "any "] {
            if o.len() > a.len() && o[..a.len()].eq_ignore_ascii_case(a) {
                o = &o[a.len()..];
            }
        }
        capitalize(o)
    }

    /// The verb phrase for a statement whose subject is the object: the verb, the object
    /// again if the verb needs it to keep its preposition ("consult with machinists"),
    /// and the first `adjuncts` adjuncts.
    pub fn performance(&self, adjuncts: usize) -> String {
        let mut out = self.verb.clone();
        if let Some(p) = &self.preposition {
            out.push(' ');
            out.push_str(p);
            out.push(' ');
            out.push_str(&self.object);
        }
        for a in self.adjuncts.iter().take(adjuncts) {
            out.push(' ');
            out.push_str(a);
        }
        out.trim_end_matches(',').to_string()
    }

    /// The whole statement as a verb phrase (lower-case first word), with the first
    /// `adjuncts` adjuncts.
    pub fn sentence(&self, adjuncts: usize) -> String {
        let mut out = self.verb.clone();
        if let Some(p) = &self.preposition {
            out.push(' ');
            out.push_str(p);
        }
        if !self.object.is_empty() {
            out.push(' ');
            out.push_str(&self.object);
        }
        for a in self.adjuncts.iter().take(adjuncts) {
            out.push(' ');
            out.push_str(a);
        }
        out.trim_end_matches(',').to_string()
    }

    fn without_object(&self) -> String {
        self.performance(self.adjuncts.len())
    }

    /// The adjunct opening with `marker` ("to", "using", "for"), if any.
    pub fn adjunct(&self, marker: &str) -> Option<&str> {
        self.adjuncts.iter().map(|s| s.as_str()).find(|a| {
            let w: Vec<&str> = a.split(' ').collect();
            adjunct_at(&w, 0, &[marker]).is_some()
        })
    }
}

/// Fits a verb phrase built from a parse into `max` characters by dropping whole
/// adjuncts from the end, never cutting inside one; `None` if even the bare phrase is
/// too long. `build(n)` gives the phrase with the first `n` adjuncts.
pub fn fit(
    p: &ParsedTask,
    max: usize,
    build: impl Fn(&ParsedTask, usize) -> String,
) -> Option<String> {
    (0..=p.adjuncts.len())
        .rev()
        .map(|n| build(p, n))
        .find(|s| s.chars().count() <= max && dangling_prepositions(s).is_empty())
}

/// First letter upper case.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_verbs_split_from_object_and_adjuncts() {
        let p = parse_task("Inspect parts for surface defects.");
        assert_eq!(p.verbs, ["inspect"]);
        assert_eq!(p.object, "parts");
        assert_eq!(p.adjuncts, ["for surface defects"]);
        assert!(p.is_clean());
        assert_eq!(p.subject(), "Parts");
        assert_eq!(p.performance(1), "inspect for surface defects");
    }

    #[test]
    fn coordinated_verbs_with_commas_and_a_conjunction() {
        let p = parse_task(
            "Modify, maintain, or repair electrical, electronic, or mechanical components.",
        );
        assert_eq!(p.verbs, ["modify", "maintain", "repair"]);
        assert_eq!(p.verb, "modify, maintain, or repair");
        assert_eq!(p.object, "electrical, electronic, or mechanical components");
        assert!(p.is_clean());
        let p = parse_task("Install or program computer hardware in microprocessor-based systems.");
        assert_eq!(p.verb, "install or program");
        assert_eq!(p.object, "computer hardware");
        assert_eq!(p.adjuncts, ["in microprocessor-based systems"]);
    }

    #[test]
    fn particles_stay_with_their_verb_even_before_a_comma() {
        let p = parse_task("Set up, operate, and maintain laboratory instruments.");
        assert_eq!(p.verbs, ["set up", "operate", "maintain"]);
        assert_eq!(p.verb, "set up, operate, and maintain");
        assert_eq!(p.subject(), "Laboratory instruments");
        let p = parse_task("Set up and run lathes to cut metal parts.");
        assert_eq!(p.verb, "set up and run");
        assert_eq!(p.object, "lathes");
        let p = parse_task("Look over parts for flaws.");
        assert_eq!(p.verb, "look over");
    }

    #[test]
    fn an_object_list_is_not_taken_for_verbs() {
        let p = parse_task("Read blueprints, schematics, or diagrams to determine methods.");
        assert_eq!(p.verb, "read");
        assert_eq!(p.object, "blueprints, schematics, or diagrams");
        assert_eq!(p.adjunct("to"), Some("to determine methods"));
    }

    #[test]
    fn purpose_clauses_including_in_order_to() {
        let p = parse_task("Calibrate gauges in order to keep readings accurate.");
        assert_eq!(p.object, "gauges");
        assert_eq!(p.adjuncts, ["in order to keep readings accurate"]);
        let p = parse_task("Adjust valves according to the manual to stop leaks.");
        assert_eq!(p.adjuncts, ["according to the manual", "to stop leaks"]);
    }

    #[test]
    fn tool_phrases_keep_their_example_lists_whole() {
        let p = parse_task(
            "Test performance of motor assemblies, using test instruments such as meters, probes, or bridges.",
        );
        assert_eq!(p.object, "performance of motor assemblies");
        assert_eq!(
            p.adjunct("using"),
            Some("using test instruments such as meters, probes, or bridges")
        );
        assert!(p.is_clean());
        let p = parse_task("Join pipes with brazing torches for water lines.");
        assert_eq!(p.adjuncts, ["with brazing torches", "for water lines"]);
    }

    #[test]
    fn an_example_list_right_after_the_object_makes_the_parse_unclean() {
        let p = parse_task("Operate vehicles such as forklifts or loaders to move stock.");
        assert_eq!(p.object, "vehicles");
        assert_eq!(p.unclean, Some(Unclean::Attached));
        let p = parse_task("Write programs that control the cutting head.");
        assert_eq!(p.unclean, Some(Unclean::Attached));
    }

    #[test]
    fn a_cut_participle_or_preposition_in_the_object_is_unclean() {
        let p = parse_task("Supervise staff members working on projects.");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        let p = parse_task("Develop, or oversee the design of, test systems.");
        assert_eq!(p.unclean, Some(Unclean::FunctionWord));
        let p = parse_task("Install electrical wiring in homes.");
        assert!(p.is_clean());
        // A participle whose complement is the adjunct: "Programs related" cannot stand.
        let p = parse_task("Develop programs related to workplace safety.");
        assert_eq!(p.object, "programs related");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        let p = parse_task("Review code written by other developers.");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        let p = parse_task("Adjust feed speed on lathes.");
        assert!(p.is_clean());
    }

    #[test]
    fn a_complement_of_the_object_keeps_it_in_the_task() {
        // The phrase after "changes" or "scheduling" is theirs: lifting the object would
        // leave "report in boiler readings".
        let p = parse_task("Monitor, log, and report shifts or changes in boiler readings.");
        assert_eq!(p.object, "shifts or changes");
        assert_eq!(p.unclean, Some(Unclean::Attached));
        let p = parse_task("Coordinate hiring, training, or scheduling for all branch kitchens.");
        assert_eq!(p.unclean, Some(Unclean::Attached));
        let p = parse_task("Exercise control over project budgets.");
        assert_eq!(p.unclean, Some(Unclean::Attached));
        let p = parse_task("Install wiring in new homes.");
        assert!(p.is_clean());
    }

    #[test]
    fn over_ends_the_object_and_adverbs_go_to_the_verb() {
        let p = parse_task("Spread tarps over loaded trailers to protect cargo.");
        assert_eq!(p.object, "tarps");
        assert_eq!(p.adjuncts, ["over loaded trailers", "to protect cargo"]);
        assert!(p.is_clean());
        let p = parse_task("Position clients comfortably for massage.");
        assert_eq!(p.object, "clients");
        assert_eq!(p.adjuncts, ["comfortably", "for massage"]);
        assert!(p.is_clean());
        assert_eq!(p.subject(), "Clients");
        assert_eq!(p.performance(2), "position comfortably for massage");
        assert_eq!(p.sentence(2), "position clients comfortably for massage");
    }

    #[test]
    fn an_adverb_after_the_verb_stays_with_it() {
        let p = parse_task("Work closely with site engineers to resolve design issues.");
        assert_eq!(p.verb, "work closely");
        assert_eq!(p.preposition.as_deref(), Some("with"));
        assert_eq!(p.object, "site engineers");
        assert!(p.is_clean());
    }

    #[test]
    fn an_adjective_keeps_its_own_to() {
        let p = parse_task(
            "Operate drones for aerial surveillance or to gather evidence from difficult to reach locations.",
        );
        assert_eq!(
            p.adjuncts,
            [
                "for aerial surveillance or to gather evidence",
                "from difficult to reach locations"
            ]
        );
    }

    #[test]
    fn a_verb_list_may_end_on_and_without_a_serial_comma() {
        let p =
            parse_task("Design, develop and modify software systems, using scientific analysis.");
        assert_eq!(p.verbs, ["design", "develop", "modify"]);
        assert_eq!(p.object, "software systems");
        assert!(p.is_clean());
    }

    #[test]
    fn a_participle_clause_after_a_comma_belongs_to_the_verb() {
        // After the object: the object cannot be lifted out without the clause's comma.
        let t = "Direct or coordinate infection control programs, advising or consulting with specified personnel about necessary precautions.";
        let p = parse_task(t);
        assert_eq!(p.object, "infection control programs,");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        assert_eq!(
            p.adjuncts,
            [
                "advising or consulting with specified personnel",
                "about necessary precautions"
            ]
        );
        assert_eq!(format!("{}.", capitalize(&p.sentence(2))), t);
        assert_eq!(
            p.sentence(0),
            "direct or coordinate infection control programs"
        );
        // After an adjunct: dropping the clause never leaves a bare participle.
        let p = parse_task(
            "Collaborate with other personnel to plan and develop recipes or menus, taking into account such factors as seasonal availability of ingredients.",
        );
        assert_eq!(p.adjuncts[0], "to plan and develop recipes or menus,");
        assert!(p.adjuncts[1].starts_with("taking into account such factors as"));
        assert_eq!(
            p.performance(1),
            "collaborate with other personnel to plan and develop recipes or menus"
        );
        // Nouns ending in "-ing" in a list are not a clause.
        for t in [
            "Install floors, ceiling tiles, and trim.",
            "Sort clothing, bedding, and towels.",
            "Repair ductwork, heating and cooling systems.",
        ] {
            let p = parse_task(t);
            assert!(p.adjuncts.is_empty(), "{t}: {p:?}");
        }
    }

    #[test]
    fn a_second_verb_or_a_bare_participle_in_the_object_is_unclean() {
        let p = parse_task("Service harvesting equipment and alert growers when parts wear out.");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        let p = parse_task("Calibrate sensing equipment used for emissions monitoring.");
        assert_eq!(p.object, "sensing equipment used");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        let p = parse_task("Keep informed about new building codes.");
        assert_eq!(p.object, "informed");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        let p = parse_task("File permits required by county inspectors.");
        assert_eq!(p.object, "permits required");
        assert_eq!(p.unclean, Some(Unclean::Clause));
    }

    #[test]
    fn a_verbs_own_of_phrase_or_a_state_keeps_the_object_in_place() {
        let p = parse_task("Notify dispatchers of route closures by radio.");
        assert_eq!(p.unclean, Some(Unclean::Attached));
        let p = parse_task("Warn visitors of slippery floors.");
        assert_eq!(p.unclean, Some(Unclean::Attached));
        let p = parse_task("Keep informed of changes to tariff schedules.");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        // An "of" phrase that is the noun's own stays liftable with other verbs, and a
        // telling verb without "of" lifts its object as before.
        let p = parse_task("Inspect shipments of perishable goods.");
        assert_eq!(p.unclean, None);
        let p = parse_task("Notify supervisors about delays.");
        assert_eq!(p.object, "supervisors");
    }

    #[test]
    fn a_clause_in_object_position_is_unclean() {
        let p = parse_task("Check how motors perform under load.");
        assert_eq!(p.unclean, Some(Unclean::Clause));
        let p = parse_task("Determine whether parts fit.");
        assert_eq!(p.unclean, Some(Unclean::Clause));
    }

    #[test]
    fn verbs_with_prepositions_keep_the_object_in_the_performance() {
        let p = parse_task("Consult with machinists to ensure that parts meet specifications.");
        assert_eq!(p.verb, "consult");
        assert_eq!(p.preposition.as_deref(), Some("with"));
        assert_eq!(p.object, "machinists");
        assert!(p.is_clean());
        let perf = p.performance(1);
        assert_eq!(
            perf,
            "consult with machinists to ensure that parts meet specifications"
        );
        assert!(!perf.contains("with to"));
    }

    #[test]
    fn long_or_badly_ending_objects_are_unclean() {
        let p = parse_task(
            "Repair very long lists of many different electrical and mechanical and hydraulic and pneumatic components and assemblies.",
        );
        assert_eq!(p.unclean, Some(Unclean::LongObject));
        let p = parse_task("Check.");
        assert_eq!(p.unclean, Some(Unclean::Empty));
        let p = parse_task("Keep logs of the.");
        assert_eq!(p.unclean, Some(Unclean::FunctionWord));
    }

    #[test]
    fn brackets_are_kept_whole() {
        let p = parse_task(
            "Produce drawings using computer-aided design (CAD) software for new products.",
        );
        assert_eq!(p.object, "drawings");
        assert_eq!(
            p.adjuncts,
            [
                "using computer-aided design (CAD) software",
                "for new products"
            ]
        );
        let p = parse_task("Inspect parts (in the field or on the bench) to find flaws.");
        assert_eq!(p.object, "parts (in the field or on the bench)");
        assert!(p.is_clean());
    }

    #[test]
    fn fitting_drops_whole_adjuncts() {
        let p = parse_task(
            "Inspect welded joints using gauges and templates to find cracks before shipment to customers.",
        );
        let f = fit(&p, 40, |p, n| p.performance(n)).unwrap();
        assert_eq!(f, "inspect using gauges and templates");
        let f = fit(&p, 10, |p, n| p.performance(n)).unwrap();
        assert_eq!(f, "inspect");
        assert_eq!(fit(&p, 3, |p, n| p.performance(n)), None);
        assert_eq!(
            p.sentence(p.adjuncts.len()),
            "inspect welded joints using gauges and templates to find cracks before shipment to customers"
        );
    }
}
