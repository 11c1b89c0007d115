//! `nsx demo`: a worked example of each workflow in the current database, for someone
//! trying the exchange — a standards body with an editor and an administrator, a framework
//! the editor wrote across two occupations with two published versions and a draft, and
//! correction suggestions waiting in the queue.
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
    for (name, local, source) in suggesters {
        let (task_id, text, _) = &sources[source % sources.len()];
        let proposed = format!(
            "{}, including the programmable controllers that run the equipment",
            text.trim_end_matches('.')
        );
        crate::corrections::service::suggest(
            db,
            &crate::corrections::CorrectionsConfig::default(),
            &Caller::anonymous(None),
            None,
            crate::corrections::service::SuggestionInput {
                framework: f.code.to_string(),
                version: published.to_string(),
                statement: None,
                citation: None,
                anchor: Some(format!("task-{task_id}")),
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
    Ok(report)
}
