//! `nsx demo`: a worked example of each workflow in the current database, for someone
//! trying the exchange — a standards body with an editor and an administrator, a framework
//! the editor wrote across two occupations with two published versions and a draft, and
//! correction suggestions waiting in the queue, an open call for input on the draft
//! with a survey and responses from a dozen sample reviewers of different stakeholder types,
//! and a second framework whose call is concluded: every comment disposed of, the revision
//! published with the consultation's summary.
//!
//! It runs through the same services as the pages and the API (so the audit log, the
//! policy and the outbox see ordinary work), is idempotent, and refuses a database that
//! holds accounts of real people unless forced.

use nsx_core::accounts::{OrgKind, Role};
use nsx_core::frameworks::edit::{Edit, Placement};
use nsx_core::frameworks::{Citation, Level, Locator, MasteryLevel, Section, Status, VersionLabel};
use serde::Serialize;

use crate::accounts::{User, password, store};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::frameworks::service::{self, NewFramework};
use crate::service::Caller;

/// Every demo account's e-mail ends with this.
pub const DEMO_DOMAIN: &str = "demo.nsx.test";
/// The demo's standards body.
pub const DEMO_BODY: &str = "Demo Skills Council";
/// The demo framework whose call for input is concluded and its revision published.
pub const DEMO_REVIEWED_FRAMEWORK: &str = "machine-safety-practices";
/// The demo framework's code.
pub const DEMO_FRAMEWORK: &str = "industrial-maintenance-mechatronics";
/// The two occupations it spans.
pub const DEMO_OCCUPATIONS: [&str; 2] = ["49-9041.00", "17-3024.00"];

/// A demo account and, when it was just made, its password.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    /// What the account is for.
    pub role: &'static str,
    /// E-mail address (the sign-in name).
    pub email: String,
    /// The password, shown once when the account is created.
    pub password: Option<String>,
}

/// What `nsx demo` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoReport {
    /// The accounts to sign in with.
    pub accounts: Vec<DemoAccount>,
    /// Lines saying what was made or found.
    pub steps: Vec<String>,
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Refuses a database with accounts that are not the demo's, unless forced.
async fn check_database(db: &Db, force: bool) -> Result<()> {
    let real: i64 = crate::on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE email NOT LIKE $1"
    )
    .bind(format!("%@{DEMO_DOMAIN}"))
    .fetch_one(p)
    .await)?;
    if real > 0 && !force {
        return Err(Error::Conflict(format!(
            "this database holds {real} account(s) of real people; the demo adds example data beside them only with --force"
        )));
    }
    let occupations: i64 = crate::on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM occupations WHERE code = $1 OR code = $2"
    )
    .bind(DEMO_OCCUPATIONS[0])
    .bind(DEMO_OCCUPATIONS[1])
    .fetch_one(p)
    .await)?;
    if occupations < 2 {
        return Err(Error::Conflict(format!(
            "the catalog lacks {} or {}: import O*NET first (nsx serve does it on first start)",
            DEMO_OCCUPATIONS[0], DEMO_OCCUPATIONS[1]
        )));
    }
    Ok(())
}

async fn account(
    db: &Db,
    report: &mut DemoReport,
    role_name: &'static str,
    local: &str,
    name: &str,
    roles: &[Role],
    org: Option<uuid::Uuid>,
) -> Result<User> {
    let email = format!("{local}@{DEMO_DOMAIN}");
    if let Some((u, _)) = store::find_user_by_email(db, &email).await? {
        report.accounts.push(DemoAccount {
            role: role_name,
            email,
            password: None,
        });
        return Ok(u);
    }
    let pw = random_password();
    let hash = password::hash(pw.clone()).await?;
    let u = store::create_user(
        db,
        store::NewUser {
            email: email.clone(),
            display_name: name.to_string(),
            password_hash: hash,
            roles: roles.to_vec(),
            organization_id: org,
        },
    )
    .await?;
    report.accounts.push(DemoAccount {
        role: role_name,
        email,
        password: Some(pw),
    });
    Ok(u)
}

/// The first tasks of an occupation in the newest release, in the release's own order.
async fn tasks_of(db: &Db, code: &str, n: i64) -> Result<Vec<(i64, String, String)>> {
    Ok(crate::on_db!(db, p => sqlx::query_as(
        "SELECT t.task_id, t.task, t.release FROM onet_tasks t
         JOIN source_releases r ON r.source = 'onet' AND r.id = t.release
         WHERE t.code = $1
         ORDER BY r.seq DESC, t.task_id
         LIMIT $2"
    )
    .bind(code)
    .bind(n)
    .fetch_all(p)
    .await)?)
}

fn technical(level: MasteryLevel) -> Placement {
    Placement {
        section: Section::Technical,
        domain: None,
        level: Level::Mastery(level),
    }
}

fn task_citation(task_id: i64, release: &str) -> Citation {
    Citation {
        source: "onet".into(),
        release: release.to_string(),
        locator: Locator::Task { task_id },
        text: String::new(),
        value: None,
    }
}

/// Seeds the demo. Safe to run again: what exists is kept and reported.
pub async fn seed(db: &Db, force: bool) -> Result<DemoReport> {
    check_database(db, force).await?;
    let mut report = DemoReport::default();
    let org = match store::list_orgs(db)
        .await?
        .into_iter()
        .find(|o| o.name == DEMO_BODY)
    {
        Some(o) => {
            report
                .steps
                .push(format!("organization {DEMO_BODY} exists"));
            o
        }
        None => {
            report
                .steps
                .push(format!("organization {DEMO_BODY} created"));
            store::create_org(
                db,
                DEMO_BODY,
                OrgKind::StandardsBody,
                Some("Advanced manufacturing"),
            )
            .await?
        }
    };
    let editor = account(
        db,
        &mut report,
        "standards editor",
        "editor",
        "Dana Editor",
        &[Role::Editor],
        Some(org.id),
    )
    .await?;
    account(
        db,
        &mut report,
        "administrator",
        "admin",
        "Alex Admin",
        &[Role::Admin],
        None,
    )
    .await?;
    let caller = Caller::user(&editor, None);

    if crate::frameworks::editing::find_framework(db, DEMO_FRAMEWORK)
        .await?
        .is_some()
    {
        report
            .steps
            .push(format!("framework {DEMO_FRAMEWORK} exists"));
        seed_call(db, &mut report, &caller).await?;
        seed_concluded_call(db, &mut report, &caller).await?;
        return Ok(report);
    }
    // A framework of the council's own across two occupations, its statements written by
    // the editor and cited to the two occupations' O*NET tasks.
    let (f, v1) = service::create(
        db,
        &caller,
        NewFramework {
            code: Some(DEMO_FRAMEWORK.into()),
            title: "Industrial Maintenance and Mechatronics".into(),
            description: "The council's own standard for technicians who keep automated production equipment running, spanning industrial machinery mechanics and electro-mechanical technologists.".into(),
            occupations: DEMO_OCCUPATIONS.iter().map(|s| s.to_string()).collect(),
            organization_id: None,
            copy_of: None,
            context: "Covers installing, testing, troubleshooting and improving automated industrial equipment: mechanical drives, electrical controls and the programmable controllers that run them.".into(),
        },
    )
    .await?;
    report.steps.push(format!(
        "framework {} created with draft {}",
        f.code, v1.label
    ));
    let mechanics = tasks_of(db, DEMO_OCCUPATIONS[0], 4).await?;
    let technologists = tasks_of(db, DEMO_OCCUPATIONS[1], 4).await?;
    let written = [
        (
            MasteryLevel::Emerging,
            "Equipment inspections",
            "inspect machines and record what needs attention, working to a checklist under a technician's direction",
        ),
        (
            MasteryLevel::Developing,
            "Fault finding",
            "trace mechanical and electrical faults with meters and diagnostic software and restore equipment without supervision",
        ),
        (
            MasteryLevel::Proficient,
            "Controller programs",
            "change and verify controller programs for new production needs and document each change for others",
        ),
        (
            MasteryLevel::Advanced,
            "Maintenance strategy",
            "set the preventive maintenance plan for a plant from failure records and decide when equipment should be rebuilt or replaced",
        ),
    ];
    let sources = mechanics
        .iter()
        .chain(technologists.iter())
        .cloned()
        .collect::<Vec<_>>();
    if sources.is_empty() {
        return Err(Error::Conflict(
            "the two occupations have no tasks in the catalog".into(),
        ));
    }
    let adds: Vec<Edit> = written
        .iter()
        .enumerate()
        .map(|(i, (level, subject, performance))| {
            let (task_id, _, release) = &sources[i % sources.len()];
            Edit::AddStatement {
                placement: technical(*level),
                subject: subject.to_string(),
                performance: performance.to_string(),
                position: None,
                citations: vec![task_citation(*task_id, release)],
            }
        })
        .collect();
    let out = service::edit(db, &caller, &f.code, &v1.label, adds).await?;
    // First publication.
    for to in [Status::InReview, Status::Published] {
        service::transition(db, &caller, &f.code, &v1.label, to).await?;
    }
    report.steps.push(format!("{} published", v1.label));

    // A revision: one statement reworded, one moved up a level, one added.
    let v2 = service::start_draft(db, &caller, &f.code, None).await?;
    let (task_id, _, release) = &sources[(written.len()) % sources.len()];
    let revise = vec![
        Edit::Reword {
            item_id: out.added[0],
            subject: "Equipment inspections".into(),
            performance: "inspect machines on a set round, record faults and wear, and report anything unsafe at once".into(),
        },
        Edit::Move {
            item_id: out.added[2],
            placement: technical(MasteryLevel::Advanced),
            position: Some(1),
        },
        Edit::AddStatement {
            placement: technical(MasteryLevel::Developing),
            subject: "Safe isolation".into(),
            performance: "isolate and lock out machines before work and prove them dead, without being reminded".into(),
            position: Some(1),
            citations: vec![task_citation(*task_id, release)],
        },
    ];
    service::edit(db, &caller, &f.code, &v2.label, revise).await?;
    service::transition(db, &caller, &f.code, &v2.label, Status::InReview).await?;
    let published = service::transition(db, &caller, &f.code, &v2.label, Status::Published)
        .await?
        .label;
    report
        .steps
        .push(format!("{published} published; {} superseded", v1.label));

    // Visitors who read the published version and think a cited task is out of date: two
    // suggest the same change (so the queue groups them), a third another one.
    let suggesters = [
        ("Pat Planner", "pat.planner", 0),
        ("Sam Shift", "sam.shift", 0),
        ("Robin Rebuild", "robin.rebuild", 1),
    ];
    let view = crate::frameworks::store::load_version(db, &f.code, Some(&published))
        .await?
        .ok_or_else(|| Error::not_found(format!("version {published} of {}", f.code)))?;
    for (name, local, nth) in suggesters {
        let Some(s) = view.statements.get(nth) else {
            continue;
        };
        let cited = s
            .statement
            .citations
            .first()
            .map(|c| c.text.trim_end_matches('.').to_string())
            .unwrap_or_default();
        let proposed =
            format!("{cited}, including the programmable controllers that run the equipment");
        crate::corrections::service::suggest(
            db,
            &crate::corrections::CorrectionsConfig::default(),
            &Caller::anonymous(None),
            None,
            crate::corrections::service::SuggestionInput {
                framework: f.code.to_string(),
                version: published.to_string(),
                statement: Some(s.id.to_string()),
                citation: None,
                anchor: None,
                problem: "The task leaves out the programmable controllers that this work \
                          involves on every modern line."
                    .into(),
                proposed_value: proposed,
                evidence: "Maintenance job postings in our region all ask for controller \
                           fault finding."
                    .into(),
                name: Some(name.into()),
                email: Some(format!("{local}@{DEMO_DOMAIN}")),
            },
        )
        .await?;
    }
    report.steps.push(format!(
        "{} correction suggestions queued for the council's editors",
        suggesters.len()
    ));

    // A draft in progress.
    let v3 = service::start_draft(db, &caller, &f.code, None).await?;
    service::edit(
        db,
        &caller,
        &f.code,
        &v3.label,
        vec![Edit::SetContext {
            context: "Covers installing, testing, troubleshooting and improving automated industrial equipment, now including the condition-monitoring systems that warn of failures.".into(),
        }],
    )
    .await?;
    report.steps.push(format!("{} drafted", v3.label));
    let _: VersionLabel = v3.label;
    seed_call(db, &mut report, &caller).await?;
    seed_concluded_call(db, &mut report, &caller).await?;
    Ok(report)
}

/// The sample reviewers of the demo's call: who they speak for, sector and country.
const REVIEWERS: [(&str, &str, Option<&str>, &str); 12] = [
    ("Avery Plant", "employer", Some("31-33"), "US"),
    ("Blake Foundry", "employer", Some("31-33"), "US"),
    ("Casey Motors", "employer", Some("31-33"), "MX"),
    ("Drew Utilities", "employer", Some("22"), "CA"),
    ("Emery College", "educator", Some("61"), "US"),
    ("Finley Institute", "educator", Some("61"), "DE"),
    ("Gray Academy", "educator", Some("61"), "US"),
    ("Harper Association", "association", Some("81"), "US"),
    ("Indy Trades Council", "association", Some("81"), "CA"),
    ("Jules Technician", "worker_learner", Some("31-33"), "US"),
    ("Kai Apprentice", "worker_learner", None, "US"),
    ("Lee Ministry", "government", Some("92"), "CA"),
];

/// An open call for input on the demo framework's draft, with a survey and responses from
/// a dozen sample reviewers of different stakeholder types. Idempotent.
async fn seed_call(db: &Db, report: &mut DemoReport, caller: &Caller) -> Result<()> {
    use crate::review::service as review;
    let versions = crate::frameworks::store::list_versions(db, DEMO_FRAMEWORK).await?;
    let Some(draft) = versions
        .iter()
        .find(|v| matches!(v.status, Status::Draft | Status::InReview))
    else {
        return Ok(());
    };
    let f = crate::frameworks::editing::find_framework(db, DEMO_FRAMEWORK)
        .await?
        .ok_or_else(|| Error::not_found(DEMO_FRAMEWORK))?;
    if let Some(c) = crate::review::store::calls_of_framework(db, f.id)
        .await?
        .into_iter()
        .find(|c| c.version_id == draft.id)
    {
        report
            .steps
            .push(format!("call for input {} exists", c.path()));
        return Ok(());
    }
    if draft.status != Status::Draft {
        return Ok(());
    }
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let call = review::open_call(
        db,
        caller,
        DEMO_FRAMEWORK,
        &draft.label,
        review::NewCall {
            invitation: "The Demo Skills Council invites employers, educators, associations, workers and government to review the draft of its Industrial Maintenance and Mechatronics standard before publication. For every statement, tell us whether to keep, change or remove it, how important it is and how often the work is done, and answer the short survey.".into(),
            contact_name: "Dana Editor".into(),
            contact_email: format!("editor@{DEMO_DOMAIN}"),
            stakeholder_types: nsx_core::review::StakeholderType::ALL
                .iter()
                .map(|t| t.as_str().to_string())
                .collect(),
            time_zone: "America/Chicago".into(),
            opens_at: fmt(now - time::Duration::hours(1)),
            closes_at: fmt(now + time::Duration::days(21)),
            questions: vec![
                nsx_core::review::Question {
                    prompt: "How many maintenance technicians work at your site?".into(),
                    kind: nsx_core::review::QuestionKind::Single,
                    options: vec!["Fewer than 10".into(), "10 to 50".into(), "More than 50".into()],
                    required: true,
                },
                nsx_core::review::Question {
                    prompt: "Which topics should the next version add?".into(),
                    kind: nsx_core::review::QuestionKind::Multiple,
                    options: vec!["Condition monitoring".into(), "Robotics".into(), "Industrial networks".into()],
                    required: false,
                },
                nsx_core::review::Question {
                    prompt: "How useful would this standard be for hiring?".into(),
                    kind: nsx_core::review::QuestionKind::Rating,
                    options: vec![],
                    required: false,
                },
            ],
            thresholds: None,
        },
    )
    .await?;
    report.steps.push(format!(
        "call for input {} opened on {} until {}",
        call.path(),
        draft.label,
        call.closes_local()
    ));
    let statements = review::statements(db, &call).await?;
    // The sample reviewers cannot sign in: they share the hash of a password nobody knows.
    let hash = password::hash(random_password()).await?;
    let sizes = ["Fewer than 10", "10 to 50", "More than 50"];
    let topics = ["Condition monitoring", "Robotics", "Industrial networks"];
    for (i, (name, kind, sector, country)) in REVIEWERS.iter().enumerate() {
        let local = format!("reviewer{:02}", i + 1);
        let email = format!("{local}@{DEMO_DOMAIN}");
        let user = match store::find_user_by_email(db, &email).await? {
            Some((u, _)) => u,
            None => {
                store::create_user(
                    db,
                    store::NewUser {
                        email,
                        display_name: name.to_string(),
                        password_hash: hash.clone(),
                        roles: Vec::new(),
                        organization_id: None,
                    },
                )
                .await?
            }
        };
        crate::accounts::verification::mark_verified(db, user.id).await?;
        let rc = Caller::user(&user, None);
        review::join(
            db,
            &rc,
            call.id,
            review::ProfileInput {
                stakeholder_type: kind.to_string(),
                sector: sector.map(str::to_string),
                organization: name.to_string(),
                country: country.to_string(),
                role: "Reviewer".into(),
            },
        )
        .await?;
        let items = statements
            .iter()
            .enumerate()
            .map(|(j, s)| {
                use nsx_core::review::{CommentType, Stance};
                let k = (i * 7 + j * 3) % 10;
                let stance = match k {
                    0 | 1 => Stance::Change,
                    2 if *kind == "employer" => Stance::Remove,
                    _ => Stance::Keep,
                };
                let technical = s.statement.section == Section::Technical;
                let (comment_type, comment, rewrite) = match stance {
                    Stance::Change => (
                        Some(CommentType::Editorial),
                        "The wording should name the equipment more precisely.".to_string(),
                        format!(
                            "{} — {}, following the plant's written procedure",
                            s.statement.subject, s.statement.performance
                        ),
                    ),
                    Stance::Remove => (
                        Some(CommentType::Technical),
                        "Our sites contract this work out; it does not belong in the standard."
                            .to_string(),
                        String::new(),
                    ),
                    Stance::Keep => (None, String::new(), String::new()),
                };
                review::Submitted {
                    statement: s.id,
                    response: nsx_core::review::StatementResponse {
                        stance: Some(stance),
                        importance: Some(((i + j) % 5 + 1) as u8),
                        frequency: technical.then_some(((i * 2 + j) % 5 + 1) as u8),
                        comment_type,
                        comment,
                        rewrite,
                    },
                    shown: None,
                }
            })
            .collect();
        review::respond(db, &rc, call.id, items).await?;
        let mut answers = std::collections::BTreeMap::new();
        answers.insert(0, vec![sizes[i % 3].to_string()]);
        answers.insert(
            1,
            vec![topics[i % 3].to_string(), topics[(i + 1) % 3].to_string()],
        );
        answers.insert(2, vec![((i % 5) + 1).to_string()]);
        review::answer_survey(db, &rc, call.id, &answers).await?;
        if i == 9 {
            review::propose(
                db,
                &rc,
                call.id,
                review::ProposalInput {
                    section: "technical".into(),
                    level: "developing".into(),
                    text: "Condition monitoring — read vibration and temperature trends and plan repairs before failures".into(),
                    rationale: "Most plants now fit sensors to critical machines.".into(),
                },
            )
            .await?;
        }
    }
    report.steps.push(format!(
        "{} sample reviewers responded to {} statements and the survey",
        REVIEWERS.len(),
        statements.len()
    ));
    seed_following(db, report, caller, call.id).await?;
    Ok(())
}

/// Followers of the demo framework and of one of its occupations, and invitations to the
/// open call (three of them already joined, so the editors' list shows both statuses).
/// The notification jobs e-mail them through the outbox when a node runs jobs.
async fn seed_following(
    db: &Db,
    report: &mut DemoReport,
    caller: &Caller,
    call: nsx_core::ids::CallId,
) -> Result<()> {
    use crate::following::store as fs;
    use nsx_core::following::TargetKind;
    let mut tx = db.begin().await?;
    let follows = [
        (TargetKind::Framework, DEMO_FRAMEWORK, "follower01"),
        (TargetKind::Framework, DEMO_FRAMEWORK, "follower02"),
        (TargetKind::Occupation, DEMO_OCCUPATIONS[0], "follower03"),
    ];
    for (kind, code, local) in follows {
        let email = format!("{local}@{DEMO_DOMAIN}");
        let f = fs::upsert_follow(&mut tx, kind, code, &email, None, None).await?;
        crate::audit::record(
            &mut tx,
            caller,
            crate::audit::Change::new("follow.created", crate::following::OBJECT_TYPE, f.id)
                .after(serde_json::json!({"kind": kind.as_str(), "code": code, "confirmed": true})),
        )
        .await?;
    }
    let invitees: Vec<String> = [
        "invitee01",
        "invitee02",
        "invitee03",
        "reviewer01",
        "reviewer02",
        "reviewer03",
    ]
    .iter()
    .map(|l| format!("{l}@{DEMO_DOMAIN}"))
    .collect();
    let added =
        fs::add_invitations(&mut tx, call, &invitees, caller.user_id().map(|u| u.0)).await?;
    crate::audit::record(
        &mut tx,
        caller,
        crate::audit::Change::new("review.invited", crate::review::OBJECT_TYPE, call)
            .after(serde_json::json!({"invited": added.len()})),
    )
    .await?;
    tx.commit().await?;
    report.steps.push(format!(
        "{} followers and {} invitations to the call (see /calls/{call}/invitations)",
        follows.len(),
        added.len(),
    ));
    Ok(())
}

/// A sample reviewer (made once, with the address confirmed).
async fn sample_reviewer(db: &Db, i: usize, hash: &str) -> Result<User> {
    let (name, _, _, _) = REVIEWERS[i % REVIEWERS.len()];
    let email = format!("reviewer{:02}@{DEMO_DOMAIN}", i + 1);
    let user = match store::find_user_by_email(db, &email).await? {
        Some((u, _)) => u,
        None => {
            store::create_user(
                db,
                store::NewUser {
                    email,
                    display_name: name.to_string(),
                    password_hash: hash.to_string(),
                    roles: Vec::new(),
                    organization_id: None,
                },
            )
            .await?
        }
    };
    crate::accounts::verification::mark_verified(db, user.id).await?;
    Ok(user)
}

/// A second framework of the council whose call for input ran briefly and is concluded:
/// four sample reviewers commented (two pasting one text), every comment has a disposition,
/// and the revision is published with the consultation's summary. Idempotent. The call
/// closes a few seconds after it opens, so this step waits for the close.
async fn seed_concluded_call(db: &Db, report: &mut DemoReport, caller: &Caller) -> Result<()> {
    use crate::review::dispositions as disp;
    use crate::review::service as review;
    use nsx_core::review::{CommentType, Stance, StatementResponse};
    if crate::frameworks::editing::find_framework(db, DEMO_REVIEWED_FRAMEWORK)
        .await?
        .is_some()
    {
        report
            .steps
            .push(format!("framework {DEMO_REVIEWED_FRAMEWORK} exists"));
        return Ok(());
    }
    let (f, v1) = service::create(
        db,
        caller,
        NewFramework {
            code: Some(DEMO_REVIEWED_FRAMEWORK.into()),
            title: "Machine Safety Practices".into(),
            description: "The council's standard for working safely on automated production equipment.".into(),
            occupations: DEMO_OCCUPATIONS.iter().map(|s| s.to_string()).collect(),
            organization_id: None,
            copy_of: None,
            context: "Covers making machines safe before work, guarding, and reporting hazards on automated lines.".into(),
        },
    )
    .await?;
    let sources = tasks_of(db, DEMO_OCCUPATIONS[0], 3).await?;
    if sources.is_empty() {
        return Err(Error::Conflict(
            "the demo occupation has no tasks in the catalog".into(),
        ));
    }
    let written = [
        (
            MasteryLevel::Emerging,
            "Hazard reports",
            "report damaged guards and leaks to the shift lead before starting work",
        ),
        (
            MasteryLevel::Developing,
            "Machine isolation",
            "isolate machines before work following the posted procedure",
        ),
        (
            MasteryLevel::Proficient,
            "Guarding checks",
            "check that guards and interlocks work after every repair and record the check",
        ),
    ];
    let adds: Vec<Edit> = written
        .iter()
        .enumerate()
        .map(|(i, (level, subject, performance))| {
            let (task_id, _, release) = &sources[i % sources.len()];
            Edit::AddStatement {
                placement: technical(*level),
                subject: subject.to_string(),
                performance: performance.to_string(),
                position: None,
                citations: vec![task_citation(*task_id, release)],
            }
        })
        .collect();
    let out = service::edit(db, caller, &f.code, &v1.label, adds).await?;
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let closes = now + time::Duration::seconds(3);
    let call = review::open_call(
        db,
        caller,
        &f.code,
        &v1.label,
        review::NewCall {
            invitation: "A short review of the council's machine safety draft by employers, educators and workers.".into(),
            contact_name: "Dana Editor".into(),
            contact_email: format!("editor@{DEMO_DOMAIN}"),
            stakeholder_types: vec!["employer".into(), "educator".into(), "worker_learner".into()],
            time_zone: "America/Chicago".into(),
            opens_at: fmt(now - time::Duration::minutes(1)),
            closes_at: fmt(closes),
            questions: vec![],
            thresholds: None,
        },
    )
    .await?;
    let statements = review::statements(db, &call).await?;
    let hash = password::hash(random_password()).await?;
    let pasted = "Name lockout and tagout explicitly and require proving every energy source dead.";
    // (sample reviewer, statement, comment type, comment, rewrite)
    let said: [(usize, usize, CommentType, &str, &str); 5] = [
        (
            0,
            1,
            CommentType::Technical,
            pasted,
            "Lock out and tag out every energy source and prove it dead before work.",
        ),
        (1, 1, CommentType::Technical, pasted, ""),
        (
            4,
            0,
            CommentType::Editorial,
            "Say who receives the report when there is no shift lead.",
            "",
        ),
        (
            9,
            2,
            CommentType::General,
            "Record keeping is the supervisor's job, not the technician's.",
            "",
        ),
        (9, 0, CommentType::General, "Useful as it stands.", ""),
    ];
    let mut joined = Vec::new();
    for (who, st, ct, comment, rewrite) in said {
        let user = sample_reviewer(db, who, &hash).await?;
        let rc = Caller::user(&user, None);
        if !joined.contains(&who) {
            let (_, kind, sector, country) = REVIEWERS[who];
            review::join(
                db,
                &rc,
                call.id,
                review::ProfileInput {
                    stakeholder_type: kind.to_string(),
                    sector: sector.map(str::to_string),
                    organization: REVIEWERS[who].0.to_string(),
                    country: country.to_string(),
                    role: "Reviewer".into(),
                },
            )
            .await?;
            joined.push(who);
        }
        let Some(s) = statements.get(st) else {
            continue;
        };
        review::respond(
            db,
            &rc,
            call.id,
            vec![review::Submitted {
                statement: s.id,
                response: StatementResponse {
                    stance: Some(if rewrite.is_empty() {
                        Stance::Keep
                    } else {
                        Stance::Change
                    }),
                    importance: Some(4),
                    frequency: Some(3),
                    comment_type: Some(ct),
                    comment: comment.into(),
                    rewrite: rewrite.into(),
                },
                shown: None,
            }],
        )
        .await?;
    }
    // Wait for the close; the scheduled job would move the call, the demo moves it itself.
    let wait = closes - time::OffsetDateTime::now_utc() + time::Duration::milliseconds(200);
    if wait.is_positive() {
        tokio::time::sleep(std::time::Duration::from_millis(
            u64::try_from(wait.whole_milliseconds()).unwrap_or(0),
        ))
        .await;
    }
    review::advance(db, call.id).await?;
    // The revised draft, from the reviewed version: the isolation statement reworded.
    let rev = disp::start_revision(db, caller, call.id).await?;
    let isolation = out.added[1];
    service::edit(
        db,
        caller,
        &f.code,
        &rev.label,
        vec![Edit::Reword {
            item_id: isolation,
            subject: "Machine isolation".into(),
            performance: "lock out and tag out every energy source and prove it dead before work"
                .into(),
        }],
    )
    .await?;
    let (_, board) = disp::board(db, caller, call.id).await?;
    for g in &board.groups {
        if let Some((first, rest)) = g.split_first() {
            disp::mark_duplicates(db, caller, call.id, *first, rest).await?;
        }
    }
    let (_, board) = disp::board(db, caller, call.id).await?;
    let items = board
        .comments
        .iter()
        .filter(|c| c.disposition.is_none())
        .map(|c| {
            let (d, reason, motivated) = if c.text == pasted {
                (
                    "accepted_with_changes",
                    "Reworded to name lockout and tagout and proving the machine dead.",
                    Some(isolation),
                )
            } else if c.text.starts_with("Record keeping") {
                (
                    "not_accepted",
                    "A technician who repairs a guard is the one who can confirm it works.",
                    None,
                )
            } else {
                ("accepted", "", None)
            };
            disp::SetDisposition {
                comment_id: c.id,
                input: nsx_core::review::dispositions::DispositionInput {
                    disposition: d.into(),
                    reason: reason.into(),
                    duplicate_of: None,
                },
                motivated_item: motivated,
            }
        })
        .collect::<Vec<_>>();
    if !items.is_empty() {
        disp::set_dispositions(db, caller, call.id, items).await?;
    }
    disp::conclude(db, caller, call.id).await?;
    let published = disp::publish_revision(db, caller, call.id).await?;
    report.steps.push(format!(
        "call for input {} concluded with {} comments disposed of; revision {} of {} published",
        call.path(),
        board.comments.len(),
        published.label,
        f.code
    ));
    Ok(())
}
