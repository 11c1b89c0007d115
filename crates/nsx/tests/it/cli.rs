//! The `nsx` command line as an operator uses it: real processes, real exit codes, messages
//! that say what is wrong and where.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::fixture_dir;

fn nsx(db: &str, args: &[&str]) -> Output {
    nsx_with_stdin(db, args, None)
}

fn nsx_with_stdin(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nsx"));
    cmd.arg("--database-url").arg(db).args(args);
    // Keep the developer's environment out of the test.
    for (k, _) in std::env::vars() {
        if k.starts_with("NSX_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("NSX_LOG", "warn");
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run nsx");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("nsx output")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("nsx.db").display())
}

#[test]
fn import_users_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(dir.path());
    let fixture = fixture_dir();
    let o = nsx(&db, &["import", "onet", fixture.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("Imported O*NET 30.1 (December 2025 Release)"),
        "{out}"
    );
    assert!(
        out.contains("9 occupations, 8 with enough source data for a framework"),
        "{out}"
    );

    let o = nsx_with_stdin(
        &db,
        &[
            "user",
            "add",
            "Admin@Example.org",
            "--name",
            "Ada Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("correct horse battery staple\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("admin@example.org"),
        "e-mail is normalised: {}",
        text(&o)
    );

    let o = nsx(
        &db,
        &[
            "user",
            "role",
            "admin@example.org",
            "--grant",
            "editor",
            "--revoke",
            "admin",
        ],
    );
    // The only administrator cannot lose the role, from the command line either; nothing
    // of the change is kept.
    assert!(!o.status.success());
    assert!(
        text(&o).contains("without an enabled administrator"),
        "{}",
        text(&o)
    );
    let o = nsx(
        &db,
        &["user", "role", "admin@example.org", "--grant", "editor"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("now holds: admin, editor"),
        "{}",
        text(&o)
    );

    let o = nsx(&db, &["user", "list"]);
    assert!(
        text(&o).contains("admin@example.org\tAda Admin\tadmin,editor"),
        "{}",
        text(&o)
    );

    let o = nsx(&db, &["db", "status"]);
    assert!(o.status.success());
    let out = text(&o);
    assert!(out.contains("Backend: Sqlite"), "{out}");
    assert!(out.contains("source onet 30.1"), "{out}");

    let backup = dir.path().join("backup.db");
    let o = nsx(&db, &["backup", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let restored = tempfile::tempdir().unwrap();
    let db2 = url(restored.path());
    let o = nsx(&db2, &["restore", backup.to_str().unwrap()]);
    assert!(
        !o.status.success(),
        "restore without --yes and without a terminal is refused"
    );
    assert!(text(&o).contains("--yes"), "{}", text(&o));
    let o = nsx(&db2, &["restore", backup.to_str().unwrap(), "--yes"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nsx(&db2, &["user", "list"]);
    assert!(text(&o).contains("admin@example.org"), "{}", text(&o));
}

#[test]
fn bad_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(dir.path());
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (
            &["import", "onet", "/no/such/folder"],
            None,
            "/no/such/folder: no such folder or file",
        ),
        (
            &["import", "onet", "/tmp", "--release", "thirty"],
            None,
            "--release: \"thirty\" is not a release label",
        ),
        (
            &[
                "user",
                "add",
                "not-an-email",
                "--name",
                "X",
                "--password-stdin",
            ],
            Some("correct horse battery\n"),
            "e-mail: enter an e-mail address",
        ),
        (
            &[
                "user",
                "add",
                "a@example.org",
                "--name",
                "X",
                "--role",
                "boss",
                "--password-stdin",
            ],
            Some("correct horse battery\n"),
            "\"boss\" is not a known role",
        ),
        (
            &[
                "user",
                "add",
                "a@example.org",
                "--name",
                "X",
                "--password-stdin",
            ],
            Some("short\n"),
            "password: use at least 10 characters",
        ),
        (
            &["user", "passwd", "nobody@example.org", "--password-stdin"],
            Some("correct horse battery\n"),
            "no account has the e-mail address nobody@example.org",
        ),
        (
            &["user", "role", "a@example.org"],
            None,
            "--grant ROLE and/or --revoke ROLE",
        ),
        (
            &["import", "apprenticeships", "/no/such.csv"],
            None,
            "/no/such.csv",
        ),
        (
            &["restore", "/no/such/backup.db", "--yes"],
            None,
            "no such backup file",
        ),
    ];
    for (args, stdin, expected) in cases {
        let o = nsx_with_stdin(&db, args, *stdin);
        assert!(!o.status.success(), "{args:?} should fail");
        let out = text(&o);
        assert!(
            out.contains(expected),
            "{args:?}: expected {expected:?} in {out}"
        );
        assert!(!out.contains("panicked"), "{args:?} panicked: {out}");
    }
    // A wrong database URL is named without leaking its password.
    let o = nsx("mysql://root:hunter2@localhost/x", &["db", "migrate"]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("must start with sqlite:// or postgres://"),
        "{out}"
    );
    assert!(!out.contains("hunter2"), "{out}");
    // A malformed release file names file, line and field, and the database stays empty.
    let bad = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture_dir()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), bad.path().join(e.file_name())).unwrap();
    }
    let jz = bad.path().join("Job Zones.txt");
    let t = std::fs::read_to_string(&jz)
        .unwrap()
        .replacen("\t3\t08/2023", "\tthree\t08/2023", 1);
    std::fs::write(&jz, t).unwrap();
    let o = nsx(&db, &["import", "onet", bad.path().to_str().unwrap()]);
    assert!(!o.status.success());
    assert_eq!(
        text(&o)
            .matches("Job Zones.txt:2: Job Zone: \"three\" is not a whole number")
            .count(),
        1,
        "said once: {}",
        text(&o)
    );
    let o = nsx(&db, &["db", "status"]);
    assert!(
        !text(&o).contains("source onet"),
        "nothing was imported: {}",
        text(&o)
    );
}

#[test]
fn config_file_and_environment_layer() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("site.toml");
    std::fs::write(
        &cfg,
        format!(
            "database_url = \"sqlite://{}/from-file.db\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let run = |env: &[(&str, String)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nsx"));
        for (k, _) in std::env::vars() {
            if k.starts_with("NSX_") {
                cmd.env_remove(k);
            }
        }
        cmd.args(["--config", cfg.to_str().unwrap(), "db", "status"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let o = run(&[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        dir.path().join("from-file.db").exists(),
        "the file's database_url is used"
    );
    let o = run(&[(
        "NSX_DATABASE_URL",
        format!("sqlite://{}/from-env.db", dir.path().display()),
    )]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        dir.path().join("from-env.db").exists(),
        "the environment overrides the file"
    );
    let o = run(&[("NSX_SESSION_HOURS", "-3".into())]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("session_hours must be positive"),
        "{}",
        text(&o)
    );
    let o = Command::new(env!("CARGO_BIN_EXE_nsx"))
        .args(["--config", "/no/such/nsx.toml", "db", "status"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o).contains("/no/such/nsx.toml does not exist"),
        "{}",
        text(&o)
    );
}

#[test]
fn draft_then_lint_report_counts_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(dir.path());
    let fixture = fixture_dir();
    let o = nsx(&db, &["import", "onet", fixture.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nsx(&db, &["draft", "--all", "--version", "v26.05"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nsx(&db, &["lint", "--report"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    for rule in [
        "dangling-preposition",
        "subject-function-word",
        "truncated-name",
        "repeated-example",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(rule))
            .unwrap_or_else(|| panic!("{rule} missing from the report:\n{out}"));
        let errors: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(errors[1], "0", "{line}");
    }
    assert!(out.contains("most findings"), "{out}");
    assert!(out.contains("0 error(s)"), "{out}");
}

#[test]
fn lint_names_a_malformed_or_undrafted_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(dir.path());
    let fixture = fixture_dir();
    let o = nsx(&db, &["import", "onet", fixture.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nsx(&db, &["lint", "banana"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("\"banana\" is not an O*NET-SOC code"),
        "{}",
        text(&o)
    );
    let o = nsx(&db, &["lint", "17-3024.00"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no framework for 17-3024.00: `nsx draft 17-3024.00` drafts one"),
        "{}",
        text(&o)
    );
}
