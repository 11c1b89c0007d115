//! A headless Chromium for browser tests: starts `chromedriver` on a free port with a fresh
//! profile and connects a fantoccini client to it.
//!
//! When chromedriver is not installed the test is skipped with a message, unless
//! `NSX_REQUIRE_BROWSER=1` (CI), in which case it fails. The binary is `NSX_CHROMEDRIVER`,
//! else `/usr/bin/chromedriver`, else `chromedriver` on the `PATH`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// The Chromium flags every test browser runs with.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// A running chromedriver with one browser session.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn chromedriver() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("NSX_CHROMEDRIVER") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let default = PathBuf::from("/usr/bin/chromedriver");
    if default.is_file() {
        return Some(default);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromedriver"))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts a browser, or `None` (with a message) when chromedriver is absent and
    /// `NSX_REQUIRE_BROWSER` is not `1`.
    pub async fn start() -> Option<Browser> {
        let required = std::env::var("NSX_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let Some(bin) = chromedriver() else {
            if required {
                panic!(
                    "NSX_REQUIRE_BROWSER=1 but chromedriver was not found (set NSX_CHROMEDRIVER or install chromium-driver)"
                );
            }
            eprintln!(
                "skipped: chromedriver not found (install chromium and chromium-driver, or set NSX_CHROMEDRIVER)"
            );
            return None;
        };
        let port = free_port();
        let mut driver = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let profile = tempfile::tempdir().expect("profile dir");
        let url = format!("http://127.0.0.1:{port}");

        // Wait for the driver to listen.
        let started = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = driver.kill();
                panic!("chromedriver did not start listening on port {port}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
        let client = match ClientBuilder::native()
            .capabilities(caps)
            .connect(&url)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                panic!("cannot open a Chromium session through chromedriver: {e}");
            }
        };
        Some(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// Makes CSS media queries see `print` (or `screen`), as when printing.
    pub async fn emulate_media(&self, media: &str) {
        self.cdp("Emulation.setEmulatedMedia", json!({ "media": media }))
            .await;
    }

    /// Runs a script and returns its JSON result.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
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

/// chromedriver's vendor endpoint for DevTools commands.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (
            Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}
