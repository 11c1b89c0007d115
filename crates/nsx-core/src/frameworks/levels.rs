//! Which mastery level a piece of work belongs to, by its nature.
//!
//! The drafter does not write every task at every level with a different ending: it sorts
//! the occupation's own tasks (and their Detailed Work Activities) by what kind of work
//! they are, and gives each level mostly its own work:
//!
//! * **Emerging**: routine execution under supervision (operate, inspect, record, load,
//!   assist…).
//! * **Developing**: independent troubleshooting, modification and programming (repair,
//!   adjust, calibrate, install, program, test…).
//! * **Proficient**: design, evaluation and improvement across systems (design, analyse,
//!   evaluate, select, develop, consult…).
//! * **Advanced**: setting standards, leading, training others, planning and governing
//!   (supervise, train, establish, plan, direct; develop or implement policies,
//!   programmes, budgets or standards…).
//!
//! A task whose verbs span several kinds ("inspect, test, or repair") takes the highest.
//! "Assist"/"help" make a task supporting work, so Emerging whatever follows.

use super::MasteryLevel;
use super::parse::ParsedTask;

/// Verbs of leading, training, planning, setting standards and governing.
const LEAD: &[&str] = &[
    "supervise",
    "direct",
    "manage",
    "train",
    "coordinate",
    "establish",
    "lead",
    "oversee",
    "plan",
    "mentor",
    "instruct",
    "teach",
    "coach",
    "delegate",
    "approve",
    "authorize",
    "negotiate",
    "budget",
    "hire",
    "recruit",
    "formulate",
    "govern",
    "allocate",
    "chair",
    "represent",
    "orient",
    "educate",
    "set",
];

/// Verbs of design, evaluation, analysis and improvement.
const DESIGN: &[&str] = &[
    "design",
    "develop",
    "evaluate",
    "analyze",
    "analyse",
    "improve",
    "research",
    "investigate",
    "optimize",
    "integrate",
    "devise",
    "create",
    "invent",
    "model",
    "simulate",
    "review",
    "assess",
    "determine",
    "identify",
    "select",
    "specify",
    "translate",
    "estimate",
    "study",
    "interpret",
    "recommend",
    "propose",
    "consult",
    "confer",
    "collaborate",
    "audit",
    "forecast",
    "conceive",
    "compose",
    "author",
    "compare",
    "advise",
    "prescribe",
    "diagnose",
    "appraise",
    "validate",
    "resolve",
    "conduct",
];

/// Verbs of independent troubleshooting, modification and programming.
const FIX: &[&str] = &[
    "troubleshoot",
    "repair",
    "modify",
    "program",
    "adjust",
    "calibrate",
    "configure",
    "install",
    "set up",
    "test",
    "fix",
    "replace",
    "overhaul",
    "rebuild",
    "debug",
    "code",
    "customize",
    "tune",
    "align",
    "fabricate",
    "maintain",
    "service",
    "convert",
    "upgrade",
    "adapt",
    "rework",
    "correct",
    "solve",
    "treat",
    "construct",
    "build",
    "weld",
    "machine",
    "implement",
    "administer",
    "schedule",
    "perform",
    "respond",
    "handle",
    "sell",
    "write",
    "edit",
    "produce",
    "calculate",
    "compute",
];

/// Verbs that make a task supporting work.
const SUPPORT: &[&str] = &["assist", "help", "aid"];

/// Nouns that make generic verbs (develop, prepare, implement, administer, write,
/// review…) governing work: the work sets what others follow.
const GOVERN_NOUNS: &[&str] = &[
    "policy",
    "policies",
    "standard",
    "standards",
    "strategy",
    "strategies",
    "programs",
    "programmes",
    "budget",
    "budgets",
    "guidelines",
    "curricula",
    "curriculum",
    "staff",
    "personnel",
    "employees",
    "subordinates",
    "workers",
    "trainees",
    "students",
    "volunteers",
    "contractors",
    "goals",
    "objectives",
];

/// What a study, research or analysis verb is about when the verb is "conduct"/"perform".
const STUDY_NOUNS: &[&str] = &[
    "research",
    "studies",
    "study",
    "analyses",
    "analysis",
    "audits",
    "evaluations",
    "experiments",
    "investigations",
    "assessments",
    "reviews",
];

fn in_list(list: &[&str], verb: &str) -> bool {
    list.contains(&verb)
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

/// The level a parsed task (or work activity) belongs to by its nature.
pub fn nature(p: &ParsedTask) -> MasteryLevel {
    let verbs: Vec<&str> = p.verbs.iter().map(|v| v.as_str()).collect();
    if verbs.first().is_some_and(|v| in_list(SUPPORT, v)) {
        return MasteryLevel::Emerging;
    }
    let object: Vec<String> = words(&p.object).collect();
    let first_adjunct: Vec<String> = p
        .adjuncts
        .first()
        .map(|a| words(a).collect())
        .unwrap_or_default();
    let governs = object
        .iter()
        .chain(first_adjunct.iter())
        .any(|w| GOVERN_NOUNS.contains(&w.as_str()));
    let studies = object.iter().any(|w| STUDY_NOUNS.contains(&w.as_str()));
    let mut best = MasteryLevel::Emerging;
    for v in &verbs {
        let l = if in_list(LEAD, v) || governs && in_list(GOVERNING, v) {
            MasteryLevel::Advanced
        } else if in_list(DESIGN, v) {
            if *v == "conduct" && !studies {
                MasteryLevel::Developing
            } else {
                MasteryLevel::Proficient
            }
        } else if in_list(FIX, v) {
            if *v == "perform" && studies {
                MasteryLevel::Proficient
            } else {
                MasteryLevel::Developing
            }
        } else {
            MasteryLevel::Emerging
        };
        if l > best {
            best = l;
        }
    }
    best
}

/// Verbs that govern when their object is a policy, budget, standard or the people of a
/// unit ("implement policies", "prepare budgets", "evaluate staff", "schedule staff").
const GOVERNING: &[&str] = &[
    "develop",
    "prepare",
    "implement",
    "administer",
    "write",
    "review",
    "create",
    "evaluate",
    "revise",
    "update",
    "monitor",
    "assign",
    "schedule",
    "produce",
    "draft",
    "design",
    "recommend",
    "assess",
    "determine",
    "organize",
    "conduct",
    "define",
];

#[cfg(test)]
mod tests {
    use super::super::parse::parse_task;
    use super::*;

    fn n(t: &str) -> MasteryLevel {
        nature(&parse_task(t))
    }

    #[test]
    fn routine_work_is_emerging() {
        assert_eq!(n("Inspect welds for cracks."), MasteryLevel::Emerging);
        assert_eq!(n("Record readings in the log."), MasteryLevel::Emerging);
        assert_eq!(
            n("Assist surveyors to design road layouts."),
            MasteryLevel::Emerging
        );
    }

    #[test]
    fn troubleshooting_and_programming_are_developing() {
        assert_eq!(
            n("Repair or adjust pumps to restore flow."),
            MasteryLevel::Developing
        );
        assert_eq!(
            n("Install or program controllers in panels."),
            MasteryLevel::Developing
        );
        // The highest kind among coordinated verbs.
        assert_eq!(
            n("Inspect, test, or repair valves."),
            MasteryLevel::Developing
        );
        assert_eq!(n("Conduct site visits."), MasteryLevel::Developing);
    }

    #[test]
    fn design_and_evaluation_are_proficient() {
        assert_eq!(n("Design cooling circuits."), MasteryLevel::Proficient);
        assert_eq!(
            n("Analyze load data to choose cable sizes."),
            MasteryLevel::Proficient
        );
        assert_eq!(n("Conduct studies of yield."), MasteryLevel::Proficient);
    }

    #[test]
    fn leading_and_governing_are_advanced() {
        assert_eq!(
            n("Train apprentices to wire panels."),
            MasteryLevel::Advanced
        );
        assert_eq!(n("Supervise kitchen crews."), MasteryLevel::Advanced);
        assert_eq!(
            n("Develop safety policies for the plant."),
            MasteryLevel::Advanced
        );
        assert_eq!(
            n("Implement standards for record keeping."),
            MasteryLevel::Advanced
        );
        assert_eq!(
            n("Schedule staff for night shifts."),
            MasteryLevel::Advanced
        );
    }
}
