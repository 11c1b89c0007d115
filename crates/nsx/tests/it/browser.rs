//! The catalog in a real headless Chromium: landmarks and labels, navigation, the occupation
//! page, the keyboard skip link and the print rendering. Skipped without chromedriver unless
//! `NSX_REQUIRE_BROWSER=1`.
//!
//! The flow is a list of steps sharing one browser: home page, search from the home page's
//! form to the occupation, browse to it, then keyboard and print checks.

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

use crate::common::TestApp;
use crate::common::browser::Browser;

const CODE: &str = "17-3024.00";

/// The home page: landmarks, one labelled search box.
async fn home(b: &Browser, app: &TestApp) {
    b.client.goto(&app.at("/")).await.unwrap();
    for sel in [
        "header.site-header",
        "nav[aria-label='Main']",
        "main#main",
        "footer.site-footer",
        "form[role='search']",
    ] {
        assert!(
            b.client.find(Locator::Css(sel)).await.is_ok(),
            "landmark {sel}"
        );
    }
    let label = b
        .eval("const i = document.getElementById('home-q'); return i.labels.length ? i.labels[0].textContent.trim() : '';")
        .await;
    assert!(
        label
            .as_str()
            .is_some_and(|l| l.contains("Search occupations")),
        "{label}"
    );
    let count = b
        .client
        .find(Locator::Css("#count-occupations"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(count.trim().parse::<i64>().unwrap() > 0);
}

/// Types a query into the home page's search box and submits the form (a plain GET
/// /search?q=), then follows the result for the occupation.
async fn search_to_occupation(b: &Browser, app: &TestApp) {
    b.client.goto(&app.at("/")).await.unwrap();
    let input = b.client.find(Locator::Id("home-q")).await.unwrap();
    input.send_keys("mechatronics").await.unwrap();
    b.client
        .find(Locator::Css("form[role='search'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for_url(b, |u| u.path() == "/search").await;
    assert_eq!(url.path(), "/search", "{url}");
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        q.contains(&("q".to_string(), "mechatronics".to_string())),
        "{url}"
    );
    let hit = b
        .client
        .find(Locator::Css(&format!(
            "ol.results a[href='/occupations/{CODE}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("{CODE} is not among the results: {e}"));
    assert!(hit.is_displayed().await.unwrap());
    let codes = b
        .eval("return Array.from(document.querySelectorAll('ol.results .code')).map(e => e.textContent.trim());")
        .await;
    assert!(
        codes
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c == CODE)),
        "{codes}"
    );
    hit.click().await.unwrap();
    let want = format!("/occupations/{CODE}");
    let url = wait_for_url(b, |u| u.path() == want).await;
    assert_eq!(url.path(), want);
}

/// From the header to the browse page, filtered to one group, and on to the occupation.
async fn browse_to_occupation(b: &Browser, _app: &TestApp) {
    b.client
        .find(Locator::Css(
            "nav[aria-label='Main'] a[href='/occupations']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(b.client.current_url().await.unwrap().path(), "/occupations");
    b.client
        .find(Locator::Css("#f-group option[value='17']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .find(Locator::Css("form.catalog-filters button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for_url(b, |u| {
        u.query().unwrap_or_default().contains("major_group=17")
    })
    .await;
    assert!(
        url.query().unwrap_or_default().contains("major_group=17"),
        "{url}"
    );
    b.client
        .find(Locator::Css(&format!("a[href='/occupations/{CODE}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let want = format!("/occupations/{CODE}");
    let url = wait_for_url(b, |u| u.path() == want).await;
    assert_eq!(url.path(), want);
}

/// Waits (up to 10 s) for navigation to reach a URL; returns the URL last seen.
async fn wait_for_url(b: &Browser, done: impl Fn(&url::Url) -> bool) -> url::Url {
    let mut url = b.client.current_url().await.unwrap();
    for _ in 0..100 {
        if done(&url) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        url = b.client.current_url().await.unwrap();
    }
    url
}

/// The occupation page shows its tasks and titles.
async fn occupation_visible(b: &Browser, app: &TestApp) {
    let tasks: Vec<(i64, String)> = nsx::on_db!(&app.db, p => sqlx::query_as(
        "SELECT task_id, task FROM onet_tasks WHERE code = $1"
    ).bind(CODE).fetch_all(p).await)
    .unwrap();
    assert!(!tasks.is_empty());
    for (id, text) in &tasks {
        let row = b
            .client
            .find(Locator::Id(&format!("task-{id}")))
            .await
            .unwrap();
        assert!(row.is_displayed().await.unwrap(), "task {id} visible");
        assert!(row.text().await.unwrap().contains(text.as_str()));
    }
    // An alternate title and a reported title from the fixture, each shown in its list.
    for (list, title) in [
        ("alternate-titles", "Electro-Mechanical Technician"),
        ("reported-titles", "Field Service Technician"),
    ] {
        let item = b
            .client
            .find(Locator::XPath(&format!(
                "//h3[@id='{list}']/following-sibling::ul[1]/li[contains(., '{title}')]"
            )))
            .await
            .unwrap_or_else(|e| panic!("{title} not listed under #{list}: {e}"));
        assert!(item.is_displayed().await.unwrap(), "{title} hidden");
    }
}

/// Tab reaches the skip link first; Enter moves focus into the main content.
async fn skip_link(b: &Browser, app: &TestApp) {
    b.client
        .goto(&app.at(&format!("/occupations/{CODE}")))
        .await
        .unwrap();
    let tab: char = Key::Tab.into();
    b.client
        .perform_actions(
            KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: tab })
                .then(KeyAction::Up { value: tab }),
        )
        .await
        .unwrap();
    let focused = b
        .eval("const a = document.activeElement; const r = a.getBoundingClientRect(); return [a.className, a.getAttribute('href'), r.left >= 0 && r.width > 0];")
        .await;
    assert_eq!(
        focused,
        serde_json::json!(["skip", "#main", true]),
        "the skip link is first and shows when focused"
    );
    let enter: char = Key::Enter.into();
    b.client
        .perform_actions(
            KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: enter })
                .then(KeyAction::Up { value: enter }),
        )
        .await
        .unwrap();
    let after = b
        .eval("return [location.hash, document.activeElement.id];")
        .await;
    assert_eq!(after, serde_json::json!(["#main", "main"]));
}

/// Printing hides the header, navigation and table of contents and keeps the content.
async fn print_rendering(b: &Browser, _app: &TestApp) {
    const PROBE: &str = "const d = s => { const e = document.querySelector(s); return e ? getComputedStyle(e).display : 'absent'; };
        return { print: matchMedia('print').matches, header: d('header.site-header'), nav: d(\"nav[aria-label='Main']\"), toc: d('nav.toc'), tasks: d('#tasks'), footer: d('footer.site-footer') };";
    let screen: Value = b.eval(PROBE).await;
    assert_eq!(screen["print"], false);
    assert_ne!(screen["header"], "none", "{screen}");
    assert_ne!(screen["toc"], "none", "{screen}");
    b.emulate_media("print").await;
    let print: Value = b.eval(PROBE).await;
    assert_eq!(print["print"], true, "{print}");
    assert_eq!(print["header"], "none", "{print}");
    assert_eq!(print["nav"], "none", "{print}");
    assert_eq!(print["toc"], "none", "{print}");
    assert_ne!(print["tasks"], "none", "{print}");
    assert_ne!(print["footer"], "none", "the attribution prints: {print}");
    b.emulate_media("").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_in_a_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().start().await;
    home(&b, &app).await;
    search_to_occupation(&b, &app).await;
    occupation_visible(&b, &app).await;
    browse_to_occupation(&b, &app).await;
    occupation_visible(&b, &app).await;
    skip_link(&b, &app).await;
    print_rendering(&b, &app).await;
    b.close().await;
    app.finish().await;
}

/// Signs in through the sign-in form (ending any session first).
async fn sign_in_as(b: &Browser, app: &TestApp, email: &str) {
    b.client.delete_all_cookies().await.unwrap();
    b.client.goto(&app.at("/sign-in")).await.unwrap();
    b.client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(crate::accounts::PASSWORD)
        .await
        .unwrap();
    b.client
        .find(Locator::Css(
            "form[action='/sign-in'] button[type='submit']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(b, |u| u.path() != "/sign-in").await;
}

async fn click(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn page_text(b: &Browser) -> String {
    b.client.source().await.unwrap()
}

/// A call for input in a real browser, with plain forms only: the editor opens the call on
/// a draft through the form; a reviewer finds it on /calls, joins, saves a section and the
/// survey (each a plain form post), comes back to find the answers kept; the editor reads
/// the results with their SVG charts, which print.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_for_input_in_a_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().start().await;
    let (_ed, code, label) =
        crate::review::framework_with_draft(&app, "Browser Council", "br-ed@example.org").await;
    let rev = crate::review::reviewer(&app, "br-rev@example.org").await;
    drop(rev.browser);

    // The editor opens the call through the form.
    sign_in_as(&b, &app, "br-ed@example.org").await;
    b.client
        .goto(&app.at(&format!("/frameworks/{code}/{label}/call")))
        .await
        .unwrap();
    let src = page_text(&b).await;
    assert!(!src.contains("<script"), "the form needs no JavaScript");
    b.client
        .find(Locator::Id("invitation"))
        .await
        .unwrap()
        .send_keys("Please review this draft.")
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let opens = (now - time::Duration::minutes(1)).format(&f).unwrap();
    let closes = (now + time::Duration::days(2)).format(&f).unwrap();
    // datetime-local inputs take their value as the browser's own widget would set it.
    b.eval(&format!(
        "document.getElementById('opens_at').value = '{opens}'; document.getElementById('closes_at').value = '{closes}'; return true;"
    ))
    .await;
    b.client
        .find(Locator::Id("q0_prompt"))
        .await
        .unwrap()
        .send_keys("How useful is the draft?")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("#q0_kind option[value='rating']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&b, "form[action$='/call'] button[type='submit']").await;
    let url = wait_for_url(&b, |u| u.path().starts_with("/calls/")).await;
    assert!(url.path().starts_with("/calls/"), "{url}");
    let call_path = url.path().to_string();
    let src = page_text(&b).await;
    assert!(src.contains("The call is set up"), "{src}");
    assert!(src.contains("(UTC)") || src.contains(" UTC"));

    // The reviewer finds it on /calls and joins.
    sign_in_as(&b, &app, "br-rev@example.org").await;
    b.client.goto(&app.at("/calls")).await.unwrap();
    click(&b, &format!("a[href='{call_path}']")).await;
    wait_for_url(&b, |u| u.path() == call_path).await;
    click(&b, "#stakeholder_type option[value='employer']").await;
    click(&b, "#sector option[value='31-33']").await;
    b.client
        .find(Locator::Id("country"))
        .await
        .unwrap()
        .send_keys("US")
        .await
        .unwrap();
    click(
        &b,
        &format!("form[action='{call_path}/join'] button[type='submit']"),
    )
    .await;
    wait_for_url(&b, |u| u.path().ends_with("/respond")).await;
    let src = page_text(&b).await;
    assert!(src.contains("You have joined the call"), "{src}");
    assert!(!src.contains("<script"));

    // Keep the first technical statement, importance 4, and save the section.
    let first = b
        .eval("return document.querySelector('form input[name=part][value=technical]').form.querySelector('fieldset.statement-response').id;")
        .await;
    let sid = first.as_str().unwrap().to_string();
    let radio = format!("input[type=radio][value=keep][name='{sid}.stance']");
    b.eval(&format!(
        "document.querySelector(\"{radio}\").scrollIntoView(); return true;"
    ))
    .await;
    click(&b, &radio).await;
    click(
        &b,
        &format!("select[name='{sid}.importance'] option[value='4']"),
    )
    .await;
    click(
        &b,
        "form:has(input[name=part][value=technical]) button[type='submit']",
    )
    .await;
    wait_for_url(&b, |u| {
        u.query().is_some_and(|q| q.contains("done=technical"))
    })
    .await;
    let src = page_text(&b).await;
    assert!(src.contains("Saved: technical statements."), "saved notice");
    // The survey, its own form.
    click(&b, "input[name=q0][value='5']").await;
    click(
        &b,
        "form:has(input[name=part][value=survey]) button[type='submit']",
    )
    .await;
    wait_for_url(&b, |u| u.query().is_some_and(|q| q.contains("done=survey"))).await;

    // A fresh load (a closed tab) finds everything kept.
    b.client
        .goto(&app.at(&format!("{call_path}/respond")))
        .await
        .unwrap();
    let kept = b
        .eval(&format!(
            "return [document.querySelector(\"{radio}\").checked, document.querySelector(\"select[name='{sid}.importance']\").value, document.querySelector('input[name=q0][value=\"5\"]').checked];"
        ))
        .await;
    assert_eq!(kept, serde_json::json!([true, "4", true]));

    // The editor reads the results: charts inline, and the page prints.
    sign_in_as(&b, &app, "br-ed@example.org").await;
    b.client
        .goto(&app.at(&format!("{call_path}/results")))
        .await
        .unwrap();
    let charts = b
        .eval("return document.querySelectorAll('svg.chart').length;")
        .await;
    assert!(charts.as_i64().unwrap() > 3, "{charts}");
    let src = page_text(&b).await;
    assert!(src.contains("Reviewers taking part: 1."), "one respondent");
    b.emulate_media("print").await;
    let print = b
        .eval("return [getComputedStyle(document.querySelector('header.site-header')).display, getComputedStyle(document.querySelector('svg.chart')).display];")
        .await;
    assert_eq!(print[0], "none");
    assert_ne!(print[1], "none", "charts print");
    b.emulate_media("").await;
    b.close().await;
    app.finish().await;
}
