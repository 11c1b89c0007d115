//! What changed between framework versions, end to end on both backends: two versions of
//! a fixture framework drafted with different labels (as `nsx draft --version` does), the
//! newer one changed the way an editor would (a statement reworded, one moved to another
//! level, one removed, one added, a citation dropped, the context paragraph reworded),
//! then the diff page and JSON, the changelog page and JSON, their problems, and the
//! `replacedBy` links in the CASE export.

use crate::common::{TestApp, fixture_dir};
use nsx::db::Db;
use nsx::frameworks::{self, case, changes, store};
use nsx::import::progress::Silent;
use nsx::on_db;
use nsx_core::frameworks::diff::{Change, Counts, Diff, Kind, apply};
use nsx_core::frameworks::{VersionLabel, item_id, statement_id, version_id};
use serde_json::Value;
use uuid::Uuid;

const CODE: &str = "17-3024.00";
const BASE: &str = "https://nsx.example";

fn v1() -> VersionLabel {
    "v26.05".parse().unwrap()
}

fn v2() -> VersionLabel {
    "v26.06".parse().unwrap()
}

/// The edits made to the newer version.
struct Edits {
    reworded: Uuid,
    moved: Uuid,
    removed: Uuid,
    removed_text: String,
    uncited: Uuid,
    added: Uuid,
}

const ADDED_SUBJECT: &str = "Fleet telemetry";
const ADDED_PERFORMANCE: &str =
    "reviews fleet telemetry each week and plans repairs before parts fail";
const REWORD_TAIL: &str = " and logs each reading";
const NEW_CONTEXT_TAIL: &str = " Field service at customer sites is included.";

async fn exec(db: &Db, sql: &str, binds: Vec<Bind>) {
    on_db!(db, p => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
        for b in &binds {
            q = match b {
                Bind::Id(u) => q.bind(*u),
                Bind::Text(t) => q.bind(t.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q.execute(p).await.map(|_| ())
    })
    .expect(sql);
}

enum Bind {
    Id(Uuid),
    Text(String),
    Int(i64),
}

/// Drafts the fixture twice (v26.05 and v26.06) and edits v26.06.
async fn two_versions(app: &TestApp) -> Edits {
    let fx = fixture_dir().join("..");
    nsx::import::evidence::import(&app.db, &fx.join("evidence"), &Silent)
        .await
        .expect("evidence");
    let codes = [CODE.to_string()];
    for l in [v1(), v2()] {
        let run = frameworks::draft_and_store(&app.db, Some(&codes), &l, &Silent)
            .await
            .expect("draft");
        assert_eq!(run.drafted, 1);
    }
    let db = &app.db;
    let newer = store::load_version(db, CODE, Some(&v2()))
        .await
        .unwrap()
        .unwrap();
    let vid = newer.version.id;
    let tech: Vec<_> = newer
        .statements
        .iter()
        .filter(|s| s.statement.section == nsx_core::frameworks::Section::Technical)
        .collect();
    assert!(tech.len() >= 4, "the fixture drafts enough statements");
    let (rw, mv, rm, uc) = (tech[0], tech[1], tech[2], tech[3]);
    assert!(!uc.statement.citations.is_empty());

    exec(
        db,
        "UPDATE statements SET performance = $1 WHERE id = $2",
        vec![
            Bind::Text(format!("{}{REWORD_TAIL}", rw.statement.performance)),
            Bind::Id(rw.id),
        ],
    )
    .await;
    let to_level = if mv.statement.level.as_str() == "emerging" {
        "developing"
    } else {
        "emerging"
    };
    exec(
        db,
        "UPDATE statements SET level = $1, ord = 99 WHERE id = $2",
        vec![Bind::Text(to_level.into()), Bind::Id(mv.id)],
    )
    .await;
    exec(
        db,
        "DELETE FROM citations WHERE statement_id = $1",
        vec![Bind::Id(rm.id)],
    )
    .await;
    exec(
        db,
        "DELETE FROM statements WHERE id = $1",
        vec![Bind::Id(rm.id)],
    )
    .await;
    let last = uc.statement.citations.len() as i64;
    exec(
        db,
        "DELETE FROM citations WHERE statement_id = $1 AND ord = $2",
        vec![Bind::Id(uc.id), Bind::Int(last)],
    )
    .await;
    let added = item_id(
        CODE,
        nsx_core::frameworks::Section::Technical,
        "advanced",
        ADDED_SUBJECT,
    );
    let sid = statement_id(vid, added);
    exec(
        db,
        "INSERT INTO statements (id, version_id, item_id, section, domain, level, ord, subject, performance) VALUES ($1, $2, $3, 'technical', NULL, 'advanced', 99, $4, $5)",
        vec![
            Bind::Id(sid),
            Bind::Id(vid),
            Bind::Id(added),
            Bind::Text(ADDED_SUBJECT.into()),
            Bind::Text(ADDED_PERFORMANCE.into()),
        ],
    )
    .await;
    exec(
        db,
        "INSERT INTO citations (statement_id, version_id, ord, source, release, kind, task_id, cited_text) VALUES ($1, $2, 1, 'onet', '30.1', 'task', 1, 'A task of the fixture')",
        vec![Bind::Id(sid), Bind::Id(vid)],
    )
    .await;
    exec(
        db,
        "UPDATE framework_versions SET context = $1 WHERE id = $2",
        vec![
            Bind::Text(format!("{}{NEW_CONTEXT_TAIL}", newer.context)),
            Bind::Id(vid),
        ],
    )
    .await;
    let mut tx = app.db.begin().await.unwrap();
    tx.bump_data_version("catalog").await.unwrap();
    tx.commit().await.unwrap();
    Edits {
        reworded: rw.item_id,
        moved: mv.item_id,
        removed: rm.item_id,
        removed_text: rm.statement.performance.clone(),
        uncited: uc.item_id,
        added,
    }
}

fn change_of(d: &Diff, id: Uuid) -> &Change {
    d.changes
        .iter()
        .find(|c| c.place().is_some_and(|p| p.item_id == id))
        .unwrap_or_else(|| panic!("no change for {id}"))
}

fn expected(c: &Counts) {
    assert_eq!(c.added, 1, "{c:?}");
    assert_eq!(c.removed, 1, "{c:?}");
    assert_eq!(c.moved, 1, "{c:?}");
    assert_eq!(c.reworded, 1, "{c:?}");
    assert_eq!(c.moved_and_reworded, 0, "{c:?}");
    assert_eq!(c.citations_changed, 1, "{c:?}");
    assert!(c.context_changed);
}

async fn diff_json_and_apply(app: TestApp) {
    let e = two_versions(&app).await;
    let (s, v) = app
        .get_json(&format!(
            "/api/v1/frameworks/{CODE}/diff?from=v26.05&to=v26.06"
        ))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["from"]["version"], "v26.05");
    assert_eq!(v["to"]["version"], "v26.06");
    let d = Diff {
        context: serde_json::from_value(v["context"].clone()).unwrap(),
        changes: serde_json::from_value(v["changes"].clone()).unwrap(),
        counts: serde_json::from_value(v["counts"].clone()).unwrap(),
    };
    expected(&d.counts);
    assert_eq!(change_of(&d, e.reworded).kind, Kind::Reworded);
    let m = change_of(&d, e.moved);
    assert_eq!(m.kind, Kind::Moved, "moved, not removed and added");
    assert_ne!(m.before.unwrap().level, m.after.unwrap().level);
    assert_eq!(change_of(&d, e.removed).kind, Kind::Removed);
    assert_eq!(change_of(&d, e.added).kind, Kind::Added);
    let u = change_of(&d, e.uncited);
    assert!(u.citations_changed && u.kind == Kind::Unchanged);
    assert_eq!(
        u.detail.as_ref().unwrap().citations_removed().count(),
        1,
        "the dropped citation"
    );
    // The JSON diff turns the older version into the newer one.
    let older = store::load_version(&app.db, CODE, Some(&v1()))
        .await
        .unwrap()
        .unwrap();
    let newer = store::load_version(&app.db, CODE, Some(&v2()))
        .await
        .unwrap()
        .unwrap();
    let (a, b) = (changes::content_of(&older), changes::content_of(&newer));
    assert_eq!(apply(&a, &d).unwrap(), b);

    // Defaults: the newest version against the one before it.
    let (s, dv) = app
        .get_json(&format!("/api/v1/frameworks/{CODE}/diff"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (dv["from"]["version"].as_str(), dv["to"]["version"].as_str()),
        (Some("v26.05"), Some("v26.06"))
    );
    // Backwards works too: what was added is now removed.
    let (_, back) = app
        .get_json(&format!(
            "/api/v1/frameworks/{CODE}/diff?from=v26.06&to=v26.05"
        ))
        .await;
    assert_eq!(back["counts"]["added"], 1);
    assert_eq!(back["counts"]["removed"], 1);

    // Problems name the parameter.
    let (s, p) = app
        .get_json(&format!(
            "/api/v1/frameworks/{CODE}/diff?from=latest&to=v26.06"
        ))
        .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "from");
    let (s, p) = app
        .get_json(&format!(
            "/api/v1/frameworks/{CODE}/diff?from=v26.05&to=v26.13"
        ))
        .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "to");
    let (s, p) = app
        .get_json(&format!(
            "/api/v1/frameworks/{CODE}/diff?from=v25.01&to=v26.06"
        ))
        .await;
    assert_eq!(s, 404, "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("from:") && detail.contains("v25.01"),
        "{detail}"
    );
    let (s, p) = app
        .get_json(&format!(
            "/api/v1/frameworks/{CODE}/diff?from=v26.05&to=v27.01"
        ))
        .await;
    assert_eq!(s, 404);
    assert!(p["detail"].as_str().unwrap().starts_with("to:"));
    let (s, _) = app.get_json("/api/v1/frameworks/99-9999.00/diff").await;
    assert_eq!(s, 404);
    let (s, p) = app.get_json("/api/v1/frameworks/Robotics_Tech/diff").await;
    assert_eq!((s, p["errors"][0]["field"].as_str()), (422, Some("code")));
    app.finish().await;
}

async fn diff_page_marks_every_change(app: TestApp) {
    let e = two_versions(&app).await;
    let (s, html) = app
        .get(&format!("/frameworks/{CODE}/diff?from=v26.05&to=v26.06"))
        .await;
    assert_eq!(s, 200);
    for kind in ["Added", "Removed", "Moved", "Reworded"] {
        assert!(
            html.contains(&format!("<strong>{kind}</strong>")),
            "{kind} missing"
        );
    }
    // Insertions and deletions are marked up and spelled out, not only coloured.
    assert!(html.contains(&format!(
        "<ins><span class=\"visually-hidden\">[inserted: </span>{REWORD_TAIL}"
    )));
    assert!(html.contains(&format!(
        "<ins><span class=\"visually-hidden\">[inserted: </span>{ADDED_PERFORMANCE}"
    )));
    assert!(html.contains(&format!(
        "<del><span class=\"visually-hidden\">[deleted: </span>{}",
        esc(&e.removed_text)
    )));
    assert!(html.contains("Citation removed:"));
    assert!(
        html.contains("id=\"h-context\""),
        "the context paragraph changed"
    );
    // Each change links to the statement in its version.
    let moved_sid = statement_id(version_id(CODE, &v2()), e.moved);
    assert!(html.contains(&format!("/frameworks/{CODE}/v26.06#s-{moved_sid}")));
    let removed_sid = statement_id(version_id(CODE, &v1()), e.removed);
    assert!(html.contains(&format!("/frameworks/{CODE}/v26.05#s-{removed_sid}")));
    // The form picks two versions and needs no script.
    assert!(html.contains("<form class=\"fw-filters diff-pick\" method=\"get\""));
    assert!(html.contains("<option value=\"v26.05\" selected>"));
    assert!(!html.contains("<script"));
    // The same version on both sides says so.
    let (s, same) = app
        .get(&format!("/frameworks/{CODE}/diff?from=v26.05&to=v26.05"))
        .await;
    assert_eq!(s, 200);
    assert!(same.contains("Both sides are version v26.05"));
    // Bad parameters are pages that name them.
    let (s, bad) = app
        .get(&format!("/frameworks/{CODE}/diff?from=v26.05&to=newest"))
        .await;
    assert_eq!(s, 422);
    assert!(bad.contains("to"), "{bad}");
    let (s, _) = app
        .get(&format!("/frameworks/{CODE}/diff?from=v20.01"))
        .await;
    assert_eq!(s, 404);
    // The framework page points at the changelog once there are two versions.
    let (_, page) = app.get(&format!("/frameworks/{CODE}")).await;
    assert!(page.contains(&format!("href=\"/frameworks/{CODE}/changes\"")));
    app.finish().await;
}

/// HTML-escapes text the way the templates do.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

async fn changelog_lists_versions_newest_first(app: TestApp) {
    two_versions(&app).await;
    let (s, v) = app
        .get_json(&format!("/api/v1/frameworks/{CODE}/changes"))
        .await;
    assert_eq!(s, 200, "{v}");
    let vs = v["versions"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    assert_eq!(vs[0]["version"]["version"], "v26.06");
    assert_eq!(vs[0]["version"]["status"], "draft");
    assert_eq!(vs[0]["previous"], "v26.05");
    let c: Counts = serde_json::from_value(vs[0]["changes"].clone()).unwrap();
    expected(&c);
    assert_eq!(
        vs[0]["diff_url"],
        format!("/frameworks/{CODE}/diff?from=v26.05&to=v26.06").as_str()
    );
    assert!(
        vs[1]["changes"].is_null(),
        "the first version has no predecessor"
    );
    let (s, api) = app.get_json(vs[0]["diff_api_url"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(api["counts"]["added"], 1);

    let (s, html) = app.get(&format!("/frameworks/{CODE}/changes")).await;
    assert_eq!(s, 200);
    let newest = html.find("id=\"v-v26.06\"").expect("v26.06 listed");
    let oldest = html.find("id=\"v-v26.05\"").expect("v26.05 listed");
    assert!(newest < oldest, "newest first");
    // (askama writes `&` in attributes as `&#38;`)
    assert!(html.contains(&format!(
        "href=\"/frameworks/{CODE}/diff?from=v26.05&#38;to=v26.06\""
    )));
    assert!(html.contains("<strong>1</strong> added"));
    assert!(html.contains("First version."));
    let (s, _) = app.get("/frameworks/99-9999.00/changes").await;
    assert_eq!(s, 404);
    let (s, _) = app.get_json("/api/v1/frameworks/99-9999.00/changes").await;
    assert_eq!(s, 404);
    app.finish().await;
}

async fn case_links_consecutive_versions(app: TestApp) {
    let e = two_versions(&app).await;
    // A third version, drafted fresh: v26.06 → v26.07.
    let v3: VersionLabel = "v26.07".parse().unwrap();
    frameworks::draft_and_store(&app.db, Some(&[CODE.to_string()]), &v3, &Silent)
        .await
        .unwrap();
    let (id1, id2, id3) = (
        version_id(CODE, &v1()),
        version_id(CODE, &v2()),
        version_id(CODE, &v3),
    );
    let replaced_by = |pkg: &Value| -> Vec<(String, String)> {
        pkg["CFAssociations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["associationType"] == "replacedBy")
            .map(|a| {
                (
                    a["originNodeURI"]["identifier"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    a["destinationNodeURI"]["identifier"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    let p = "/ims/case/v1p0/CFPackages";
    let (s, pkg1) = app.get_json(&format!("{p}/{id1}")).await;
    assert_eq!(s, 200);
    crate::exchange::assert_case_schema(&pkg1);
    // v26.05 → v26.06 only (the next version, not every newer one). Item ids are kept
    // across versions, so the statements need no links of their own.
    assert_eq!(replaced_by(&pkg1), vec![(id1.to_string(), id2.to_string())]);
    let (_, pkg2) = app.get_json(&format!("{p}/{id2}")).await;
    crate::exchange::assert_case_schema(&pkg2);
    assert_eq!(replaced_by(&pkg2), vec![(id2.to_string(), id3.to_string())]);
    let (_, pkg3) = app.get_json(&format!("{p}/{id3}")).await;
    assert!(
        replaced_by(&pkg3).is_empty(),
        "the newest is replaced by nothing"
    );
    // The association resolves on its own.
    let aid = pkg1["CFAssociations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["associationType"] == "replacedBy")
        .unwrap()["identifier"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, a) = app
        .get_json(&format!("/ims/case/v1p0/CFAssociations/{aid}"))
        .await;
    assert_eq!(
        (s, a["associationType"].as_str()),
        (200, Some("replacedBy"))
    );
    // A statement that got a new item id (the same words at another level, as a
    // re-draft gives) is linked from its old item to its new one.
    let moved_old = statement_id(id2, e.moved);
    let new_item = Uuid::new_v5(&Uuid::NAMESPACE_OID, b"moved statement, new id");
    exec(
        &app.db,
        "UPDATE statements SET item_id = $1 WHERE id = $2",
        vec![Bind::Id(new_item), Bind::Id(moved_old)],
    )
    .await;
    let pkg = case::package_of(&app.db, BASE, id1).await.unwrap().unwrap();
    let links: Vec<(String, String)> = pkg
        .associations
        .iter()
        .filter(|a| a.association_type == "replacedBy")
        .map(|a| {
            (
                a.origin.identifier.clone(),
                a.destination.identifier.clone(),
            )
        })
        .collect();
    assert!(
        links.contains(&(e.moved.to_string(), new_item.to_string())),
        "{links:?}"
    );
    app.finish().await;
}

async fn api(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(app.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!((200..300).contains(&status), "{path}: {status} {v}");
    v
}

fn add_statement(level: &str, subject: &str, performance: &str, task: i64) -> Value {
    serde_json::json!({"op": "add_statement", "section": "technical", "domain": null,
        "level": {"scale": "mastery", "level": level}, "subject": subject,
        "performance": performance, "position": null,
        "citations": [{"source": "onet", "release": "30.1",
            "locator": {"kind": "task", "task_id": task}, "text": "", "value": null}]})
}

/// What an editor does through the editorial API shows in the diff as the same kinds of
/// change: edits keep item ids, so a move is a move and a rewording a rewording.
async fn editor_changes_show_in_the_diff(app: TestApp) {
    let ed = crate::editorial::editor_of(&app, "Diff Council", "diff-ed@example.org").await;
    let t = ed.token.as_str();
    let created = api(
        &app,
        t,
        "/api/v1/frameworks",
        serde_json::json!({"title": "Line Maintenance", "occupations": ["17-3024.00"],
            "context": "Keeping assembly lines running."}),
    )
    .await;
    let code = created["framework"]["code"].as_str().unwrap().to_string();
    let first = created["version"]["version"].as_str().unwrap().to_string();
    let edits = |label: &str| format!("/api/v1/frameworks/{code}/versions/{label}/edits");
    let status = |label: &str| format!("/api/v1/frameworks/{code}/versions/{label}/status");
    let out = api(
        &app,
        t,
        &edits(&first),
        serde_json::json!({"edits": [
            add_statement("emerging", "Electromechanical assemblies",
                "check how assemblies perform with test instruments under supervision", 90001),
            add_statement("emerging", "Controller software",
                "load controller software on a line and confirm that it runs", 90002),
            add_statement("developing", "Preventive maintenance",
                "plan preventive maintenance for a line from its fault records", 90001),
        ]}),
    )
    .await;
    let ids: Vec<String> = out["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for s in ["in_review", "published"] {
        api(&app, t, &status(&first), serde_json::json!({"status": s})).await;
    }
    let draft = api(
        &app,
        t,
        &format!("/api/v1/frameworks/{code}/drafts"),
        serde_json::json!({}),
    )
    .await;
    let second = draft["version"].as_str().unwrap().to_string();
    api(
        &app,
        t,
        &edits(&second),
        serde_json::json!({"edits": [
            {"op": "reword", "item_id": ids[0], "subject": "Electromechanical assemblies",
             "performance": "check how assemblies perform with oscilloscopes and meters under supervision"},
            {"op": "move", "item_id": ids[1], "section": "technical", "domain": null,
             "level": {"scale": "mastery", "level": "developing"}, "position": 1},
            {"op": "remove_statement", "item_id": ids[2]},
            add_statement("advanced", "Line standards",
                "set the standard for how every line is tested after a repair", 90002),
        ]}),
    )
    .await;
    for s in ["in_review", "published"] {
        api(&app, t, &status(&second), serde_json::json!({"status": s})).await;
    }

    // The default diff is the newest version against the one before it.
    let (s, d) = app
        .get_json(&format!("/api/v1/frameworks/{code}/diff"))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["from"]["version"], first.as_str());
    assert_eq!(d["to"]["version"], second.as_str());
    let k: Counts = serde_json::from_value(d["counts"].clone()).unwrap();
    assert_eq!(
        (
            k.added,
            k.removed,
            k.moved,
            k.reworded,
            k.moved_and_reworded
        ),
        (1, 1, 1, 1, 0),
        "{k:?}"
    );
    let changes: Vec<Change> = serde_json::from_value(d["changes"].clone()).unwrap();
    let of = |id: &str| {
        changes
            .iter()
            .find(|c| c.place().is_some_and(|p| p.item_id.to_string() == id))
            .unwrap()
    };
    assert_eq!(of(&ids[0]).kind, Kind::Reworded);
    assert_eq!(of(&ids[1]).kind, Kind::Moved);
    assert_eq!(of(&ids[2]).kind, Kind::Removed);
    let (_, html) = app.get(&format!("/frameworks/{code}/diff")).await;
    assert!(
        html.contains(
            "<del><span class=\"visually-hidden\">[deleted: </span>test instruments<span class=\"visually-hidden\">]</span></del><ins><span class=\"visually-hidden\">[inserted: </span>oscilloscopes and meters"
        ),
        "the rewording is highlighted as one replacement"
    );
    assert!(html.contains(
        "<strong>Moved</strong> from Technical · Emerging #2 to Technical · Developing #1"
    ));
    // The changelog shows both publications.
    let (_, log) = app
        .get_json(&format!("/api/v1/frameworks/{code}/changes"))
        .await;
    let vs = log["versions"].as_array().unwrap();
    assert_eq!(vs[0]["version"]["status"], "published");
    assert_eq!(vs[1]["version"]["status"], "superseded");
    assert_eq!(vs[0]["changes"]["added"], 1);
    let (_, page) = app.get(&format!("/frameworks/{code}/changes")).await;
    assert!(page.contains(" · published "), "publication days are shown");
    app.finish().await;
}

on_both_backends!(
    diff_json_and_apply,
    diff_page_marks_every_change,
    changelog_lists_versions_newest_first,
    case_links_consecutive_versions,
    editor_changes_show_in_the_diff,
);

#[test]
fn diff_and_changelog_are_in_the_openapi_document() {
    let doc = serde_json::to_value(nsx::routes::openapi()).unwrap();
    let diff = &doc["paths"]["/api/v1/frameworks/{code}/diff"]["get"];
    let params: Vec<&str> = diff["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["code", "from", "to"]);
    assert_eq!(
        diff["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/DiffOut"
    );
    for status in ["404", "422"] {
        assert!(diff["responses"][status].is_object(), "{status}");
    }
    let changes = &doc["paths"]["/api/v1/frameworks/{code}/changes"]["get"];
    assert_eq!(
        changes["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ChangelogOut"
    );
    let kinds = &doc["components"]["schemas"]["ChangeKind"]["enum"];
    assert_eq!(
        kinds,
        &serde_json::json!([
            "added",
            "removed",
            "moved",
            "reworded",
            "moved_and_reworded",
            "unchanged"
        ])
    );
}

/// In a real browser: the changelog links to the diff, insertions and deletions are
/// underlined and struck through (not only coloured), print spells them out and drops the
/// form, and the form picks another pair without any script of ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_reads_and_prints_a_diff() {
    let Some(b) = crate::common::browser::Browser::start().await else {
        return;
    };
    let app = TestApp::builder().start().await;
    two_versions(&app).await;
    let c = &b.client;
    c.goto(&app.at(&format!("/frameworks/{CODE}/changes")))
        .await
        .unwrap();
    c.find(fantoccini::Locator::LinkText(
        "Changes from v26.05 to v26.06",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), format!("/frameworks/{CODE}/diff"));
    assert_eq!(url.query(), Some("from=v26.05&to=v26.06"));
    let style = |sel: &str, prop: &str| {
        format!("return getComputedStyle(document.querySelector('{sel}')).{prop};")
    };
    let ins = b.eval(&style("ins", "textDecorationLine")).await;
    assert_eq!(ins, "underline");
    let del = b.eval(&style("del", "textDecorationLine")).await;
    assert_eq!(del, "line-through");
    let hidden = b.eval(&style("ins .visually-hidden", "position")).await;
    assert_eq!(
        hidden, "absolute",
        "the words are for screen readers on screen"
    );
    b.emulate_media("print").await;
    assert_eq!(
        b.eval(&style("ins .visually-hidden", "position")).await,
        "static"
    );
    assert_eq!(b.eval(&style(".diff-pick", "display")).await, "none");
    assert_eq!(
        b.eval(&style("ins", "textDecorationLine")).await,
        "underline"
    );
    b.emulate_media("").await;
    // Choose v26.06 on both sides and compare.
    c.find(fantoccini::Locator::Css(
        "#diff-from option[value='v26.06']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(fantoccini::Locator::Css(".diff-pick button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The click returns before the next page has loaded: wait for it.
    let want = Some("from=v26.06&to=v26.06");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut url = c.current_url().await.unwrap();
    while url.query() != want && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        url = c.current_url().await.unwrap();
    }
    assert_eq!(url.query(), want);
    c.wait()
        .for_element(fantoccini::Locator::Css(".diff-summary"))
        .await
        .unwrap();
    let body = c
        .find(fantoccini::Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Both sides are version v26.06"), "{body}");
    b.close().await;
    app.finish().await;
}
