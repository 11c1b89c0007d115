//! A headless Chromium driven through chromedriver, for page tests that need a real browser.
//! Skipped when chromedriver is missing, unless `NSX_REQUIRE_BROWSER=1`.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running chromedriver with one browser session.
pub struct Browser {
    /// The WebDriver client.
    pub client: fantoccini::Client,
    /// chromedriver's base URL.
    pub driver_url: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless session, or `None` when no browser is available
    /// (panics instead when `NSX_REQUIRE_BROWSER=1`).
    pub async fn start() -> Option<Browser> {
        if !Path::new(CHROMEDRIVER).exists() {
            if std::env::var("NSX_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("NSX_REQUIRE_BROWSER=1 but {CHROMEDRIVER} is missing");
            }
            eprintln!("skipping browser test: {CHROMEDRIVER} not found");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver_url = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let mut last = None;
        for _ in 0..50 {
            match fantoccini::ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&driver_url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver_url,
                        driver,
                        _profile: profile,
                    });
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("cannot start a browser session: {last:?}");
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        let sid = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("session id");
        let r = reqwest::Client::new()
            .post(format!(
                "{}/session/{sid}/goog/cdp/execute",
                self.driver_url
            ))
            .json(&serde_json::json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .expect("cdp call");
        assert!(r.status().is_success(), "CDP {cmd} failed: {}", r.status());
        r.json().await.expect("cdp json")
    }

    /// Ends the session and stops chromedriver.
    pub async fn finish(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
