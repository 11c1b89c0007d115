//! Search rules that need no index: how queries and titles are normalised before matching,
//! the table of job-title shorthand and its expansions, code queries, and the spelling
//! distance used to explain typo matches.

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

/// Words that carry no meaning in a job title or a query ("Managers, All Other").
pub const STOPWORDS: &[&str] = &[
    "a", "all", "an", "and", "as", "at", "by", "except", "for", "from", "in", "of", "on", "or",
    "other", "the", "to", "with", "&",
];

/// Words people add to a query that name no occupation ("welding jobs").
pub const QUERY_NOISE: &[&str] = &[
    "job",
    "jobs",
    "career",
    "careers",
    "position",
    "positions",
    "occupation",
    "occupations",
    "role",
    "roles",
    "vacancy",
    "opening",
    "openings",
    "hiring",
    "entry",
    "level",
];

/// Whether a normalised word is a stop word.
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

/// Job-title shorthand, informal names and common synonyms, each with what it stands for.
///
/// The key is one normalised word (see [`normalize`]); each expansion is one or more words
/// as they appear in O*NET titles. A query word matches a title if the word itself or any
/// of its expansions does (a multi-word expansion must match all its words). The word
/// itself is always tried too, so an expansion never hides a literal match.
pub const EXPANSIONS: &[(&str, &[&str])] = &[
    // rank and seniority
    ("sr", &["senior"]),
    ("snr", &["senior"]),
    ("jr", &["junior"]),
    ("asst", &["assistant"]),
    ("assoc", &["associate"]),
    ("mgr", &["manager"]),
    ("mngr", &["manager"]),
    ("mgmt", &["management"]),
    ("dir", &["director"]),
    ("supv", &["supervisor"]),
    ("supvr", &["supervisor"]),
    ("sup", &["supervisor"]),
    ("supt", &["superintendent"]),
    ("coord", &["coordinator"]),
    ("spec", &["specialist"]),
    ("exec", &["executive"]),
    ("pres", &["president"]),
    ("vp", &["vice president"]),
    ("ceo", &["chief executive"]),
    ("cfo", &["chief financial officer", "financial manager"]),
    ("cto", &["chief technology officer"]),
    ("cio", &["chief information officer"]),
    ("coo", &["chief operating officer"]),
    ("cno", &["chief nursing officer"]),
    ("pm", &["project manager", "product manager"]),
    ("gm", &["general manager"]),
    ("ops", &["operations"]),
    ("op", &["operator"]),
    ("opr", &["operator"]),
    ("oper", &["operator"]),
    ("admin", &["administrator", "administrative"]),
    ("adm", &["administrator", "administrative"]),
    ("rep", &["representative"]),
    ("reps", &["representative"]),
    ("tech", &["technician", "technologist", "technical"]),
    ("techs", &["technician"]),
    ("technican", &["technician"]),
    ("mech", &["mechanic", "mechanical"]),
    ("eng", &["engineer", "engineering"]),
    ("engr", &["engineer"]),
    ("engineeer", &["engineer"]),
    ("elec", &["electrical", "electrician"]),
    ("maint", &["maintenance"]),
    ("equip", &["equipment"]),
    ("svc", &["service"]),
    ("svcs", &["services"]),
    ("cust", &["customer"]),
    ("acct", &["accountant", "accounting", "account"]),
    ("acctg", &["accounting"]),
    ("mfg", &["manufacturing"]),
    ("prod", &["production"]),
    ("dept", &["department"]),
    ("govt", &["government"]),
    ("intl", &["international"]),
    ("natl", &["national"]),
    ("dev", &["developer", "development"]),
    ("devs", &["developer"]),
    ("dvlpr", &["developer"]),
    ("prog", &["programmer"]),
    ("coder", &["programmer", "developer"]),
    ("instr", &["instructor"]),
    ("tchr", &["teacher"]),
    ("prof", &["professor"]),
    ("para", &["paraprofessional", "teacher assistant"]),
    ("paraeducator", &["teacher assistant"]),
    ("sped", &["special education"]),
    ("esl", &["english as a second language"]),
    ("sec", &["secretary"]),
    ("recep", &["receptionist"]),
    ("temp", &["temporary"]),
    ("trainee", &["apprentice", "helper"]),
    (
        "handyman",
        &["maintenance repair worker", "maintenance worker"],
    ),
    ("handy", &["maintenance"]),
    // technology
    ("sw", &["software"]),
    ("sys", &["systems", "system"]),
    ("swe", &["software engineer", "software developer"]),
    (
        "sde",
        &["software development engineer", "software developer"],
    ),
    ("it", &["information technology", "computer"]),
    ("dba", &["database administrator"]),
    ("db", &["database"]),
    (
        "sysadmin",
        &["systems administrator", "system administrator"],
    ),
    ("netadmin", &["network administrator"]),
    (
        "devops",
        &["devops engineer", "software developer", "systems engineer"],
    ),
    ("sre", &["site reliability engineer", "systems engineer"]),
    ("qa", &["quality assurance"]),
    ("qc", &["quality control"]),
    ("ux", &["user experience", "web designer"]),
    ("ui", &["user interface", "web designer"]),
    ("frontend", &["front end", "web developer"]),
    ("backend", &["back end", "software developer"]),
    ("fullstack", &["full stack", "software developer"]),
    ("webdev", &["web developer"]),
    ("infosec", &["information security"]),
    (
        "cyber",
        &["cybersecurity", "security", "information security"],
    ),
    ("cybersecurity", &["information security", "security"]),
    ("ml", &["machine learning"]),
    ("ai", &["artificial intelligence"]),
    ("bi", &["business intelligence"]),
    ("gis", &["geographic information systems"]),
    ("cad", &["computer aided design", "drafter", "cad"]),
    (
        "cnc",
        &["computer numerically controlled", "machinist", "cnc"],
    ),
    ("plc", &["programmable logic controller"]),
    ("helpdesk", &["help desk", "computer user support"]),
    ("hvac", &["heating air conditioning", "hvac"]),
    ("hvacr", &["heating air conditioning refrigeration", "hvac"]),
    ("ac", &["air conditioning"]),
    // health care
    ("rn", &["registered nurse"]),
    ("lpn", &["licensed practical nurse"]),
    ("lvn", &["licensed vocational nurse"]),
    ("cna", &["certified nursing assistant", "nursing assistant"]),
    ("stna", &["nursing assistant"]),
    ("np", &["nurse practitioner"]),
    ("aprn", &["nurse practitioner"]),
    ("crna", &["nurse anesthetist"]),
    ("cnm", &["nurse midwife"]),
    ("pa", &["physician assistant"]),
    ("md", &["physician"]),
    ("doc", &["physician", "doctor"]),
    ("doctor", &["physician"]),
    ("gp", &["general practitioner", "family medicine physician"]),
    ("emt", &["emergency medical technician"]),
    ("medic", &["paramedic"]),
    ("cma", &["certified medical assistant", "medical assistant"]),
    ("rma", &["medical assistant"]),
    ("ma", &["medical assistant"]),
    ("hha", &["home health aide"]),
    ("pca", &["personal care aide"]),
    (
        "dsp",
        &["direct support professional", "personal care aide"],
    ),
    ("caregiver", &["personal care aide", "home health aide"]),
    ("pt", &["physical therapist"]),
    ("pta", &["physical therapist assistant"]),
    ("ot", &["occupational therapist"]),
    ("ota", &["occupational therapy assistant"]),
    ("slp", &["speech language pathologist"]),
    ("rt", &["respiratory therapist", "radiologic technologist"]),
    ("rrt", &["respiratory therapist"]),
    ("cnor", &["operating room nurse"]),
    ("er", &["emergency room"]),
    ("icu", &["intensive care unit"]),
    ("ob", &["obstetrics", "obstetrician"]),
    ("obgyn", &["obstetrician gynecologist"]),
    ("peds", &["pediatric"]),
    ("rad", &["radiologic", "radiology"]),
    ("xray", &["radiologic", "x ray"]),
    ("ekg", &["electrocardiogram", "cardiovascular"]),
    ("ecg", &["electrocardiogram", "cardiovascular"]),
    ("phleb", &["phlebotomist"]),
    ("pharm", &["pharmacy", "pharmaceutical"]),
    ("pharmd", &["pharmacist"]),
    ("chemo", &["chemotherapy", "oncology"]),
    ("psych", &["psychiatric", "psychologist", "psychology"]),
    ("shrink", &["psychiatrist", "psychologist"]),
    ("therapist", &["therapist", "counselor"]),
    (
        "lcsw",
        &["licensed clinical social worker", "social worker"],
    ),
    ("msw", &["social worker"]),
    ("dds", &["dentist"]),
    ("dmd", &["dentist"]),
    ("rdh", &["dental hygienist"]),
    ("rda", &["dental assistant"]),
    ("vet", &["veterinary", "veterinarian"]),
    ("dietician", &["dietitian"]),
    ("med", &["medical", "medication"]),
    ("surg", &["surgical"]),
    ("lab", &["laboratory"]),
    ("ortho", &["orthopedic", "orthodontist"]),
    ("derm", &["dermatologist"]),
    ("sonographer", &["sonographer", "ultrasound"]),
    // protective, legal, public
    ("cop", &["police officer", "police patrol officer"]),
    ("cops", &["police officer"]),
    ("policeman", &["police officer"]),
    ("policewoman", &["police officer"]),
    ("leo", &["law enforcement officer", "police officer"]),
    ("trooper", &["state trooper", "police"]),
    ("co", &["correctional officer"]),
    ("ff", &["firefighter"]),
    ("fireman", &["firefighter"]),
    ("guard", &["security guard", "guard"]),
    ("bouncer", &["security guard"]),
    ("atty", &["attorney"]),
    ("lawyer", &["attorney", "lawyer"]),
    ("dj", &["disc jockey"]),
    ("hr", &["human resources"]),
    ("cpa", &["certified public accountant", "accountant"]),
    ("ap", &["accounts payable"]),
    ("ar", &["accounts receivable"]),
    ("csr", &["customer service representative"]),
    // trades and transport
    ("cdl", &["truck driver", "commercial driver"]),
    ("otr", &["over the road", "truck driver"]),
    ("trucker", &["truck driver"]),
    ("semi", &["tractor trailer truck"]),
    ("forklift", &["forklift", "industrial truck"]),
    ("lineman", &["line installer", "lineman"]),
    ("linemen", &["line installer"]),
    ("mailman", &["mail carrier"]),
    ("postman", &["mail carrier"]),
    ("garbageman", &["refuse collector"]),
    ("repairman", &["repairer", "repair"]),
    ("serviceman", &["service technician", "repairer"]),
    ("cameraman", &["camera operator"]),
    ("salesman", &["sales representative", "salesperson"]),
    ("saleswoman", &["sales representative", "salesperson"]),
    ("salesperson", &["sales representative", "salesperson"]),
    ("sales", &["sales"]),
    ("waiter", &["waiter", "server"]),
    ("waitress", &["waitress", "server"]),
    ("busboy", &["busser", "dining room attendant"]),
    ("barista", &["barista", "coffee"]),
    ("janitor", &["janitor", "custodian"]),
    ("maid", &["maid", "housekeeper"]),
    ("nanny", &["nanny", "childcare"]),
    ("babysitter", &["childcare worker", "babysitter"]),
    ("daycare", &["childcare", "child care"]),
    ("carpet", &["carpet", "floor"]),
    ("drywall", &["drywall", "taper"]),
    ("roofer", &["roofer"]),
    ("welder", &["welder"]),
    ("sparky", &["electrician"]),
    ("plumber", &["plumber"]),
    ("chippy", &["carpenter"]),
    ("gardener", &["gardener", "landscaping"]),
    ("landscaper", &["landscaping", "groundskeeping"]),
    ("realtor", &["real estate sales agent", "real estate agent"]),
    ("cashier", &["cashier"]),
    ("clerk", &["clerk"]),
    ("teller", &["teller"]),
    ("chef", &["chef", "cook"]),
    ("burger", &["fast food", "cook"]),
    ("flipper", &["cook"]),
    ("sous", &["sous chef"]),
    ("bartender", &["bartender"]),
    ("pilot", &["pilot"]),
    ("stewardess", &["flight attendant"]),
    ("steward", &["flight attendant", "steward"]),
    ("ramp", &["ramp", "baggage"]),
    ("uber", &["driver", "chauffeur"]),
    ("rideshare", &["driver", "chauffeur"]),
    ("courier", &["courier", "delivery"]),
    ("movers", &["mover", "laborer"]),
    ("mover", &["mover", "laborer"]),
];

/// The expansions of one normalised word ([`EXPANSIONS`]); empty when it has none.
pub fn expansions(word: &str) -> &'static [&'static str] {
    EXPANSIONS
        .iter()
        .find(|(k, _)| *k == word)
        .map(|(_, v)| *v)
        .unwrap_or(&[])
}

/// One word of a text query and the ways it may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The word as typed (normalised).
    pub word: String,
    /// What may match it: the word itself first, then its expansions, each a list of words.
    pub alternatives: Vec<Vec<String>>,
}

impl Slot {
    /// Whether an alternative (by index) comes from the shorthand table rather than the query.
    pub fn is_expansion(&self, alternative: usize) -> bool {
        alternative > 0
    }
}

/// Splits a text query into slots: normalised words without stop words and query noise
/// ("jobs"), each with its shorthand expansions. If nothing but stop words is left, the
/// stop words are kept (so "other" still searches).
pub fn parse_text(query: &str) -> Vec<Slot> {
    let norm = normalize(query);
    let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    let mut kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !is_stopword(w) && !QUERY_NOISE.contains(w))
        .collect();
    if kept.is_empty() {
        kept = words;
    }
    let mut slots: Vec<Slot> = Vec::new();
    for w in kept.into_iter().take(12) {
        if slots.iter().any(|s| s.word == w) {
            continue;
        }
        let mut alternatives = vec![vec![w.to_string()]];
        for e in expansions(w) {
            let alt: Vec<String> = e
                .split(' ')
                .filter(|x| !x.is_empty() && !is_stopword(x))
                .map(str::to_string)
                .collect();
            if !alt.is_empty() && !alternatives.contains(&alt) {
                alternatives.push(alt);
            }
        }
        slots.push(Slot {
            word: w.to_string(),
            alternatives,
        });
    }
    slots
}

/// A query that is a code rather than words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeQuery {
    /// A full O*NET-SOC code, `17-3024.00`.
    Onet(String),
    /// A 6-digit SOC code, `17-3024`: every O*NET occupation under it.
    Soc(String),
    /// A CIP programme code, `15.0403` (or a 4-digit series `15.04`).
    Cip(String),
    /// The start of an O*NET-SOC code (`17-30`, `17-302`), for as-you-type lookups.
    Prefix(String),
}

/// Reads a code query: `17-3024.00`, `17302400`, `17-3024`, `173024`, `SOC 17-3024`,
/// `15.0403`, `CIP 15.0403`, `CIP 150403`, or a code prefix such as `17-30`.
/// Returns `None` for anything with words in it.
pub fn parse_code(query: &str) -> Option<CodeQuery> {
    let mut t = query.trim().to_ascii_lowercase();
    let mut hint = "";
    for (prefix, h) in [
        ("o*net-soc", "onet"),
        ("onet-soc", "onet"),
        ("o*net", "onet"),
        ("onet", "onet"),
        ("soc", "soc"),
        ("cip", "cip"),
        ("code", ""),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            let rest = rest.trim_start_matches([' ', ':', '#']);
            if rest.len() < t.len() && rest.starts_with(|c: char| c.is_ascii_digit()) {
                hint = h;
                t = rest.to_string();
                break;
            }
        }
    }
    let t = t.trim();
    if t.is_empty()
        || !t.starts_with(|c: char| c.is_ascii_digit())
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | ' '))
    {
        return None;
    }
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let has_dash = t.contains('-') || t.contains(' ');
    let dot = t.find('.');
    // CIP: NN.NNNN or NN.NN (dot after two digits, no dash), or any 6 digits after "cip".
    let cip_shape = !has_dash && dot == Some(2);
    if hint == "cip" || cip_shape {
        return match digits.len() {
            6 => Some(CodeQuery::Cip(format!(
                "{}.{}",
                &digits[0..2],
                &digits[2..6]
            ))),
            4 => Some(CodeQuery::Cip(format!(
                "{}.{}",
                &digits[0..2],
                &digits[2..4]
            ))),
            _ => None,
        };
    }
    match digits.len() {
        8 => Some(CodeQuery::Onet(format!(
            "{}-{}.{}",
            &digits[0..2],
            &digits[2..6],
            &digits[6..8]
        ))),
        6 if dot.is_none() => Some(CodeQuery::Soc(format!(
            "{}-{}",
            &digits[0..2],
            &digits[2..6]
        ))),
        7 if dot.is_some() => Some(CodeQuery::Prefix(format!(
            "{}-{}.{}",
            &digits[0..2],
            &digits[2..6],
            &digits[6..7]
        ))),
        2..=5 if has_dash || digits.len() >= 3 => {
            let mut p = format!("{}-", &digits[0..2]);
            p.push_str(&digits[2..]);
            Some(CodeQuery::Prefix(p))
        }
        _ => None,
    }
}

/// How far (in edits) a word of this many characters may be from a title word and still
/// count as a typo for it: none under 4 characters, 1 up to 7, 2 from 8.
pub fn typo_budget(chars: usize) -> u8 {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The optimal-string-alignment distance (insertions, deletions, substitutions and
/// transpositions of neighbours each cost 1) between two words, or `None` if it exceeds
/// `max`.
pub fn edit_distance(a: &str, b: &str, max: u8) -> Option<u8> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = max as usize;
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut prev2 = vec![0usize; w];
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur = vec![0usize; w];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d as u8)
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

    #[test]
    fn expansion_table_is_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for (k, v) in EXPANSIONS {
            assert_eq!(normalize(k), *k, "key {k:?} is not normalised");
            assert!(!k.contains(' '), "key {k:?} must be one word");
            assert!(seen.insert(*k), "key {k:?} appears twice");
            assert!(!v.is_empty(), "{k:?} expands to nothing");
            for e in *v {
                assert_eq!(
                    normalize(e),
                    *e,
                    "expansion {e:?} of {k:?} is not normalised"
                );
            }
        }
    }

    #[test]
    fn shorthand_expands() {
        assert!(expansions("tech").contains(&"technician"));
        assert!(expansions("mech").contains(&"mechanic"));
        assert!(expansions("eng").contains(&"engineer"));
        assert!(expansions("engr").contains(&"engineer"));
        assert!(expansions("mgr").contains(&"manager"));
        assert!(expansions("asst").contains(&"assistant"));
        assert!(expansions("admin").contains(&"administrator"));
        assert!(expansions("admin").contains(&"administrative"));
        assert!(expansions("rep").contains(&"representative"));
        assert!(expansions("sr").contains(&"senior"));
        assert!(expansions("rn").contains(&"registered nurse"));
        assert!(expansions("lpn").contains(&"licensed practical nurse"));
        assert!(expansions("dev").contains(&"developer"));
        assert!(expansions("robot").is_empty());
    }

    #[test]
    fn text_queries_become_slots() {
        let s = parse_text("Robot Tech jobs");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].word, "robot");
        assert_eq!(s[0].alternatives, vec![vec!["robot".to_string()]]);
        assert_eq!(s[1].word, "tech");
        assert_eq!(s[1].alternatives[0], vec!["tech".to_string()]);
        assert!(s[1].alternatives.contains(&vec!["technician".to_string()]));
        assert!(!s[1].is_expansion(0) && s[1].is_expansion(1));
        let rn = parse_text("RN");
        assert!(
            rn[0]
                .alternatives
                .contains(&vec!["registered".to_string(), "nurse".to_string()])
        );
        // Stop words go unless nothing else is left; repeated words count once.
        assert_eq!(parse_text("the nurse of nurse").len(), 1);
        assert_eq!(parse_text("all other")[0].word, "all");
        assert!(parse_text("  -- ").is_empty());
    }

    #[test]
    fn code_queries() {
        let onet = |s: &str| Some(CodeQuery::Onet(s.to_string()));
        let soc = |s: &str| Some(CodeQuery::Soc(s.to_string()));
        let cip = |s: &str| Some(CodeQuery::Cip(s.to_string()));
        assert_eq!(parse_code("17-3024.00"), onet("17-3024.00"));
        assert_eq!(parse_code(" 17302401 "), onet("17-3024.01"));
        assert_eq!(parse_code("O*NET-SOC 17-3024.01"), onet("17-3024.01"));
        assert_eq!(parse_code("17-3024"), soc("17-3024"));
        assert_eq!(parse_code("173024"), soc("17-3024"));
        assert_eq!(parse_code("SOC 17-3024"), soc("17-3024"));
        assert_eq!(parse_code("soc: 17 3024"), soc("17-3024"));
        assert_eq!(parse_code("15.0403"), cip("15.0403"));
        assert_eq!(parse_code("CIP 15.0403"), cip("15.0403"));
        assert_eq!(parse_code("cip 150403"), cip("15.0403"));
        assert_eq!(parse_code("15.04"), cip("15.04"));
        assert_eq!(parse_code("17-30"), Some(CodeQuery::Prefix("17-30".into())));
        assert_eq!(
            parse_code("17-3024.0"),
            Some(CodeQuery::Prefix("17-3024.0".into()))
        );
        assert_eq!(parse_code("robot tech"), None);
        assert_eq!(parse_code("soc worker"), None);
        assert_eq!(parse_code("17-3024 robots"), None);
        assert_eq!(parse_code("1"), None);
        assert_eq!(parse_code("12"), None);
        assert_eq!(parse_code(""), None);
    }

    #[test]
    fn typo_budget_grows_with_length() {
        assert_eq!(typo_budget(3), 0);
        assert_eq!(typo_budget(4), 1);
        assert_eq!(typo_budget(7), 1);
        assert_eq!(typo_budget(9), 2);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("hygenist", "hygienist", 2), Some(1));
        assert_eq!(edit_distance("reciever", "receiver", 2), Some(1));
        assert_eq!(edit_distance("nurse", "nurse", 0), Some(0));
        assert_eq!(edit_distance("welder", "welter", 1), Some(1));
        assert_eq!(edit_distance("cook", "chef", 2), None);
        assert_eq!(edit_distance("a", "abcd", 2), None);
    }

    proptest::proptest! {
        #[test]
        fn distance_is_symmetric_and_bounded(a in "[a-e]{0,8}", b in "[a-e]{0,8}") {
            let d1 = edit_distance(&a, &b, 8);
            let d2 = edit_distance(&b, &a, 8);
            proptest::prop_assert_eq!(d1, d2);
            let d = d1.unwrap_or(9) as usize;
            proptest::prop_assert!(d <= a.len().max(b.len()));
            proptest::prop_assert_eq!(d == 0, a == b);
        }

        #[test]
        fn parsing_never_panics(q in "\\PC{0,40}") {
            let _ = parse_code(&q);
            let slots = parse_text(&q);
            for s in slots {
                proptest::prop_assert!(!s.word.is_empty());
                proptest::prop_assert_eq!(&s.alternatives[0], &vec![s.word.clone()]);
            }
        }
    }
}
