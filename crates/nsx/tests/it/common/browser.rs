//! The one headless Chromium harness for browser tests: starts a `chromedriver` of its own
//! on a free port with a fresh profile and connects a fantoccini client to it; `cdp` runs
//! DevTools commands (e.g. print emulation) through chromedriver's `goog/cdp/execute`.
//!
//! When chromedriver is not installed the test is skipped with a message, unless
//! `NSX_REQUIRE_BROWSER=1` (CI), in which case it fails. The binary is `NSX_CHROMEDRIVER`,
//! else `/usr/bin/chromedriver`, else `chromedriver` on the `PATH`.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
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

/// A running chromedriver (its own, on its own port) with one browser session.
///
/// Each test starts its own: chromedriver is given `--port=0` and the port the system
/// chose is read from its banner, so parallel tests never race for a port. Dropping the
/// value (also when a test panics) kills chromedriver's process group and every Chromium
/// process using this browser's profile.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Driver,
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

/// Reads chromedriver's banner until it names the port it listens on; keeps draining its
/// output afterwards so it never blocks on a full pipe.
fn listening_port(driver: &mut Child) -> Option<u16> {
    let out = driver.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let port = rest.trim_end_matches('.').trim().parse::<u16>().ok();
                if let Some(tx) = tx.take() {
                    let _ = tx.send(port);
                }
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20)).ok().flatten()
}

/// Sends SIGKILL to `target` (a pid, or `-pgid` for a process group).
fn kill(target: &str) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", target])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The ids of running processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
        String::from_utf8_lossy(&cmd)
            .contains(needle)
            .then_some(pid)
    })
    .collect()
}

/// chromedriver and the profile its Chromium uses; dropping it stops both.
struct Driver {
    child: Child,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver leads its own process group (see `Browser::start`): the group is
        // chromedriver and the Chromium processes it started.
        kill(&format!("-{}", self.child.id()));
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Any Chromium process that left the group still names this profile.
        let flag = format!("--user-data-dir={}", self.profile.path().display());
        for pid in processes_mentioning(&flag) {
            kill(&pid.to_string());
        }
    }
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
        let profile = tempfile::tempdir().expect("profile dir");
        // `--port=0`: the system picks a free port and chromedriver prints it, so no other
        // test can take it between choosing and binding. Its own process group lets Drop
        // stop it together with everything it started.
        let child = Command::new(&bin)
            .arg("--port=0")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        // From here on, a panic drops the guard and stops chromedriver.
        let mut driver = Driver { child, profile };
        let port = listening_port(&mut driver.child)
            .unwrap_or_else(|| panic!("{} did not report its port", bin.display()));
        let url = format!("http://127.0.0.1:{port}");

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            driver.profile.path().display()
        ));
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
        // chromedriver prints the banner just before it accepts connections; retry briefly.
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if started.elapsed() > Duration::from_secs(20) => {
                    panic!("cannot open a Chromium session through chromedriver: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Some(Browser { client, driver })
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

    /// Ends the session (Chromium exits), then stops chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        drop(self.driver);
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
