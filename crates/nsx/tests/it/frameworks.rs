//! Frameworks end to end: drafting the fixture on both backends, idempotent re-drafts,
//! published versions left alone, the linter over stored versions, snapshots of five
//! drafted frameworks, and (when the shared data is present) the full O*NET release.

use std::path::Path;

use crate::common::{TestApp, fixture_dir};
use nsx::db::Db;
use nsx::frameworks::{self, store};
use nsx::import::progress::Silent;
use nsx::on_db;
use nsx_core::frameworks::editorial;
use nsx_core::frameworks::lint::Severity;
use nsx_core::frameworks::{DurableDomain, MasteryLevel, Section, VersionLabel};

fn label() -> VersionLabel {
    "v26.05".parse().unwrap()
}

async fn import_evidence(db: &Db) {
    let fx = fixture_dir().join("..");
    nsx::import::crosswalk::import(db, &[fx.join("crosswalks")], false, &Silent)
        .await
        .expect("crosswalks");
    nsx::import::evidence::import(db, &fx.join("evidence"), &Silent)
        .await
        .expect("evidence");
}

async fn count(db: &Db, table: &str) -> i64 {
    on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(p)
        .await)
    .unwrap()
}

async fn drafts_every_ready_occupation(app: TestApp) {
    import_evidence(&app.db).await;
    let ready: i64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM occupations WHERE framework_ready = TRUE").fetch_one(p).await).unwrap();
    let total: i64 = count(&app.db, "occupations").await;
    let run = frameworks::draft_and_store(&app.db, None, &label(), &Silent)
        .await
        .unwrap();
    assert_eq!(run.drafted as i64, ready);
    assert!(
        ready >= 5,
        "the fixture has at least five ready occupations"
    );
    assert_eq!((run.drafted + run.skipped.len()) as i64, total);
    assert!(run.skipped.iter().all(|s| !s.reason.is_empty()));
    assert_eq!(run.lint_errors, 0);

    let v = store::load_version(&app.db, "17-3024.00", Some(&label()))
        .await
        .unwrap()
        .expect("17-3024.00 drafted");
    assert_eq!(v.version.url, "/frameworks/17-3024.00/v26.05");
    assert_eq!(v.version.status, nsx_core::frameworks::Status::Draft);
    assert!(v.context.contains("Job Zone"));
    // Every level has statements, and mostly its own subjects: the fixture's occupations
    // have too little work for 4 × 10 distinct subjects, and a level stays short rather
    // than repeat the level below's (`level-repeat`).
    for level in MasteryLevel::ALL {
        let t = v.technical(level);
        assert!(!t.is_empty(), "{level:?} has no statements");
    }
    let statements: Vec<_> = v.statements.iter().map(|s| s.statement.clone()).collect();
    let mut repeats = Vec::new();
    nsx_core::frameworks::editorial::check_levels(&statements, &mut repeats);
    assert!(
        repeats.is_empty(),
        "{repeats:?}\n{:#?}",
        statements
            .iter()
            .filter(|s| s.section == Section::Technical)
            .map(|s| format!("{} {} {}", s.level.as_str(), s.subject, s.citations.len()))
            .collect::<Vec<_>>()
    );
    // Every statement is cited, and task citations carry the task text.
    for s in &v.statements {
        assert!(
            !s.statement.citations.is_empty(),
            "{}",
            s.statement.location()
        );
    }
    let anchors = v.anchored_tasks();
    assert!(
        anchors
            .iter()
            .any(|(id, text)| *id == 90001 && text.contains("oscilloscopes"))
    );
    // Durable domains are grounded in the fixture's work styles and skills.
    assert!(!v.durable(DurableDomain::Fortitude).is_empty());
    assert!(!v.durable(DurableDomain::CriticalThinking).is_empty());
    // Its only evidence row says "not observed", so the page says so and invents nothing.
    assert!(
        v.statements
            .iter()
            .all(|s| s.statement.section != Section::AiUsage)
    );
    assert_eq!(v.evidence.tasks_with_evidence, 1);
    assert_eq!(v.evidence.tasks_observed, 0);
    assert!(
        v.evidence
            .note
            .as_deref()
            .is_some_and(|n| n.contains("observed"))
    );
    assert_eq!(v.evidence.job_exposure, Some(0.08));
    // The usage file's one row for it names a task worded as in the 2010 task list, not as
    // any task today: the occupation's usage share still counts it, through its 2010 code.
    assert_eq!(v.evidence.usage_share_pct, Some(0.9));
    assert_eq!(v.evidence.usage_tasks, Some(1));
    assert_eq!(v.evidence.usage_codes_2010, vec!["17-3024.00"]);
    assert!(v.evidence.citations.iter().any(|c| matches!(
        &c.locator,
        nsx_core::frameworks::Locator::Evidence { measure, .. } if measure == "occupation_usage"
    )
        && c.text.contains("through O*NET-SOC 2010 17-3024.00")));
    assert!(
        v.sources
            .iter()
            .any(|s| s.key == "onet" && s.licence.contains("CC BY"))
    );
    assert!(v.sources.iter().any(|s| s.key == "aei"));

    // AI usage comes from the evidence rows, each figure with its source and release.
    let nurse = store::load_version(&app.db, "29-1141.00", None)
        .await
        .unwrap()
        .unwrap();
    for level in MasteryLevel::ALL {
        let ai = nurse.ai_usage(level);
        assert_eq!(ai.len(), 1, "{level:?}");
        let c = &ai[0].statement.citations;
        assert!(c.iter().any(|c| c.source == "aei"
            && c.release == "labor_market_impacts"
            && c.value == Some(0.05)));
        assert!(c.iter().any(|c| matches!(
            c.locator,
            nsx_core::frameworks::Locator::Task { task_id: 90402 }
        )));
    }
    assert_eq!(nurse.evidence.tasks_observed, 1);
    assert!(nurse.evidence.note.is_none());

    // An occupation without any evidence says so instead of inventing statements.
    let n = store::load_version(&app.db, "49-9041.00", None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        n.statements
            .iter()
            .all(|s| s.statement.section != Section::AiUsage)
    );
    assert!(
        n.evidence
            .note
            .as_deref()
            .is_some_and(|n| n.contains("No AI-usage evidence"))
    );

    // The linter over what was stored finds no errors.
    let (checked, findings) = frameworks::lint_stored(&app.db, None).await.unwrap();
    assert_eq!(checked as i64, ready);
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.finding.severity == Severity::Error)
        .map(|f| f.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    app.finish().await;
}

async fn redrafting_is_idempotent_and_spares_published(app: TestApp) {
    let codes = vec!["17-3024.00".to_string(), "49-9041.00".to_string()];
    frameworks::draft_and_store(&app.db, Some(&codes), &label(), &Silent)
        .await
        .unwrap();
    let first = store::load_version(&app.db, "17-3024.00", Some(&label()))
        .await
        .unwrap()
        .unwrap();
    let rows = (
        count(&app.db, "statements").await,
        count(&app.db, "citations").await,
    );
    let again = frameworks::draft_and_store(&app.db, Some(&codes), &label(), &Silent)
        .await
        .unwrap();
    assert_eq!(again.drafted, 2);
    let second = store::load_version(&app.db, "17-3024.00", Some(&label()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        rows,
        (
            count(&app.db, "statements").await,
            count(&app.db, "citations").await
        )
    );
    assert_eq!(first.version.id, second.version.id);
    let ids = |v: &frameworks::FrameworkView| -> Vec<(uuid::Uuid, uuid::Uuid, String)> {
        v.statements
            .iter()
            .map(|s| (s.id, s.item_id, s.statement.full_text()))
            .collect()
    };
    assert_eq!(ids(&first), ids(&second));

    // Once published, a version of that label is never overwritten.
    on_db!(&app.db, p => sqlx::query("UPDATE framework_versions SET status = 'published', context = 'kept as published' WHERE code = '17-3024.00'").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let run = frameworks::draft_and_store(&app.db, Some(&codes), &label(), &Silent)
        .await
        .unwrap();
    assert_eq!(run.drafted, 1);
    assert!(
        run.skipped
            .iter()
            .any(|s| s.code == "17-3024.00" && s.reason.contains("published"))
    );
    let kept = store::load_version(&app.db, "17-3024.00", Some(&label()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.context, "kept as published");

    // A new label is a new version beside it; items keep their ids across versions.
    let next: VersionLabel = "v26.06".parse().unwrap();
    frameworks::draft_and_store(&app.db, Some(&codes), &next, &Silent)
        .await
        .unwrap();
    let versions = store::list_versions(&app.db, "17-3024.00").await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.label.to_string())
            .collect::<Vec<_>>(),
        ["v26.06", "v26.05"]
    );
    // The plain address shows the published version while a newer draft exists.
    let current = store::load_version(&app.db, "17-3024.00", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.version.label, label());
    let newest = store::load_version(&app.db, "17-3024.00", Some(&next))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newest.version.label, next);
    assert_eq!(newest.statements[0].item_id, first.statements[0].item_id);
    assert_ne!(newest.statements[0].id, first.statements[0].id);

    // Unknown codes are reported, not drafted.
    let run =
        frameworks::draft_and_store(&app.db, Some(&["99-9999.99".to_string()]), &next, &Silent)
            .await
            .unwrap();
    assert_eq!(run.drafted, 0);
    assert!(run.skipped[0].reason.contains("catalog"));
    app.finish().await;
}

/// Without task ratings the drafter follows the release's own order of tasks (core
/// first), writes subjects that stand alone (a task whose object is a clause takes its
/// Detailed Work Activity's), and names tools as "commodity (e.g. product)".
async fn drafts_follow_the_release_task_order_and_read_cleanly(app: TestApp) {
    on_db!(&app.db, p => sqlx::query("DELETE FROM onet_task_ratings").execute(p).await.map(|_| ()))
        .unwrap();
    let codes = ["17-3024.00".to_string()];
    let run = frameworks::draft_and_store(&app.db, Some(&codes), &label(), &Silent)
        .await
        .unwrap();
    assert_eq!((run.drafted, run.lint_errors), (1, 0));
    let v = store::load_version(&app.db, "17-3024.00", Some(&label()))
        .await
        .unwrap()
        .unwrap();
    assert!(
        v.context
            .contains("in the order the O*NET release lists them")
    );
    let emerging = v.technical(MasteryLevel::Emerging);
    let task_ids: Vec<i64> = emerging
        .iter()
        .flat_map(|s| s.statement.citations.iter())
        .filter_map(|c| match c.locator {
            nsx_core::frameworks::Locator::Task { task_id } => Some(task_id),
            _ => None,
        })
        .collect();
    // The level's own routine work in the release's order of core tasks: with seven
    // tasks each level's share is two, and no work is carried down from Developing that
    // would leave Developing mostly repeating it.
    assert_eq!(task_ids, [90001, 90002]);
    // "Check how … perform" has a clause for an object: the subject is its DWA's object.
    assert_eq!(emerging[0].statement.subject, "Electrical assemblies");
    assert!(
        emerging[0]
            .statement
            .performance
            .starts_with("check how electromechanical assemblies perform")
    );
    let mut named_with_examples = 0;
    for s in &v.statements {
        let st = &s.statement;
        assert_eq!(
            editorial::subject_function_word(&st.subject),
            None,
            "{}",
            st.subject
        );
        assert!(
            editorial::dangling_prepositions(&st.performance).is_empty(),
            "{}",
            st.performance
        );
        for bad in [" with to ", " on to ", " such as "] {
            assert!(!st.performance.contains(bad), "{}", st.performance);
        }
        if st.performance.contains("(e.g. ") {
            named_with_examples += 1;
        }
    }
    assert!(named_with_examples > 0);
    assert!(v.statements.iter().any(|s| {
        s.statement
            .performance
            .contains("computer aided design CAD software (e.g. Autodesk AutoCAD)")
    }));
    app.finish().await;
}

on_both_backends!(
    drafts_every_ready_occupation,
    redrafting_is_idempotent_and_spares_published,
    drafts_follow_the_release_task_order_and_read_cleanly
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafted_frameworks_snapshot() {
    let app = TestApp::builder().start().await;
    import_evidence(&app.db).await;
    frameworks::draft_and_store(&app.db, None, &label(), &Silent)
        .await
        .unwrap();
    // One framework from each family the product is judged on: engineering technicians,
    // nursing, software, trucking and kitchens.
    for code in [
        "17-3024.00",
        "29-1141.00",
        "15-1252.00",
        "53-3032.00",
        "35-1011.00",
    ] {
        let v = store::load_version(&app.db, code, Some(&label()))
            .await
            .unwrap()
            .unwrap();
        insta::assert_json_snapshot!(format!("framework_{}", code.replace(['-', '.'], "_")), v, {
            ".version.drafted_at" => "[time]",
            ".version.updated_at" => "[time]",
            ".version.organization_id" => "[standards body]",
        });
    }
    app.finish().await;
}

/// The whole O*NET release (with the 29.3 skills and knowledge, crosswalks and evidence):
/// about a thousand drafts, and the linter finds no errors. Runs when the shared data exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_data_drafts_and_lints_clean() {
    let Some(data) = crate::common::shared_data() else {
        eprintln!("skipped: no shared data folder");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(
        &format!("sqlite://{}", dir.path().join("full.db").display()),
        4,
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let files = nsx::import::source::ReleaseFiles::open(&data.join("onet")).unwrap();
    nsx::import::onet::import(&db, &files, &Default::default(), &Silent)
        .await
        .unwrap();
    nsx::import::crosswalk::import(&db, &[data.join("onet_crosswalks")], false, &Silent)
        .await
        .unwrap();
    nsx::import::evidence::import(&db, &data.join("anthropic_economic_index"), &Silent)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let run = frameworks::draft_and_store(&db, None, &label(), &Silent)
        .await
        .unwrap();
    eprintln!(
        "drafted {} frameworks ({} statements, {} citations), skipped {}, in {:.1} s",
        run.drafted,
        run.statements,
        run.citations,
        run.skipped.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(run.drafted >= 900, "only {} drafted", run.drafted);
    assert_eq!(run.lint_errors, 0);
    let (checked, findings) = frameworks::lint_stored(&db, None).await.unwrap();
    assert_eq!(checked, run.drafted);
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.finding.severity == Severity::Error)
        .take(20)
        .map(|f| f.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let v = store::load_version(&db, "17-3024.00", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.technical(MasteryLevel::Advanced).len(), 10);
    // Software developers: the usage evidence is keyed by the two 2010 codes that became
    // 15-1252.00; matching today's task wording alone found 0.73 %.
    let dev = store::load_version(&db, "15-1252.00", None)
        .await
        .unwrap()
        .unwrap();
    let share = dev.evidence.usage_share_pct.unwrap_or(0.0);
    assert!(share > 3.0, "usage share {share}");
    assert_eq!(
        dev.evidence.usage_codes_2010,
        vec!["15-1132.00", "15-1133.00"]
    );
    // No task ratings in the release: the statements follow its order of tasks, core
    // first, each at the level of its nature. The first core task (testing assemblies) leads
    // Developing, reading blueprints leads Emerging, and training others on robots is
    // Advanced work.
    let first_task = |level: MasteryLevel| -> Vec<i64> {
        v.technical(level)
            .iter()
            .filter_map(|s| {
                s.statement.citations.iter().find_map(|c| match c.locator {
                    nsx_core::frameworks::Locator::Task { task_id } => Some(task_id),
                    _ => None,
                })
            })
            .collect()
    };
    assert_eq!(first_task(MasteryLevel::Developing).first(), Some(&10892));
    assert_eq!(first_task(MasteryLevel::Emerging).first(), Some(&10893));
    assert!(first_task(MasteryLevel::Advanced).contains(&10901));
    // Levels that change the work: at least six of the ten Advanced subjects appear at no
    // lower level.
    let lower: std::collections::BTreeSet<String> = [
        MasteryLevel::Emerging,
        MasteryLevel::Developing,
        MasteryLevel::Proficient,
    ]
    .into_iter()
    .flat_map(|l| {
        v.technical(l)
            .into_iter()
            .map(|s| s.statement.subject.clone())
    })
    .collect();
    let own = v
        .technical(MasteryLevel::Advanced)
        .iter()
        .filter(|s| !lower.contains(&s.statement.subject))
        .count();
    assert!(own >= 6, "{own} of 10 Advanced subjects are new");
    // O*NET 30.1 leaves skills and knowledge to its 29.3 supplement: the anchors show them
    // from there, labelled with that release.
    let anchors = nsx::frameworks::queries::anchors(&db, "17-3024.00", "30.1", &[])
        .await
        .unwrap();
    assert!(!anchors.skills.is_empty() && !anchors.knowledge.is_empty());
    assert!(anchors.skills.iter().all(|e| e.release == "29.3"));
    assert!(anchors.work_styles.iter().all(|e| e.release == "30.1"));
    assert!(Path::new(&data).is_dir());
    db.close().await;
}
