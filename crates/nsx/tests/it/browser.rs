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
