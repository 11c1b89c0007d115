//! Replays the fuzzing corpus (`fuzz/corpus/`) through the parsers the fuzz targets drive,
//! on the stable toolchain: every input must give rows or an error, never a panic. Inputs
//! that `cargo fuzz` finds worth keeping are added to the corpus and so run here too.

use std::path::{Path, PathBuf};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn onet_file_corpus() {
    let files = corpus("onet_file");
    assert!(files.len() >= 40, "the corpus holds every file kind");
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let outcome = std::panic::catch_unwind(|| nsx_core::onet::fuzz_one(&data));
        assert!(outcome.is_ok(), "{} made the reader panic", f.display());
    }
}

#[test]
fn onet_seeds_read_as_expected() {
    // The seeds taken from the test fixture read cleanly; the broken ones fail where they
    // are broken.
    let dir = corpus_dir("onet_file");
    let read = |name: &str| {
        let data = std::fs::read(dir.join(name)).unwrap();
        let spec = &nsx_core::onet::FILES[usize::from(data[0]) % nsx_core::onet::FILES.len()];
        let text = std::str::from_utf8(&data[1..]).unwrap().to_string();
        let known = ["17-3024.00".to_string()].into();
        nsx_core::onet::read_file(spec, spec.file, &text, Some(&known))
    };
    assert!(!read("task-statements-txt").unwrap().is_empty());
    assert_eq!(read("tasks-bare-cr").unwrap_err().field, "line endings");
    assert_eq!(read("tasks-repeated-row").unwrap_err().line, 4);
    assert!(
        read("tasks-unknown-code")
            .unwrap_err()
            .message
            .contains("99-9999.99")
    );
    assert_eq!(read("tasks-ragged").unwrap_err().field, "row");
    assert_eq!(read("tasks-empty").unwrap_err().field, "header");
    assert!(read("tasks-header-only").unwrap().is_empty());
}

#[test]
fn case_package_corpus() {
    let files = corpus("case_package");
    assert!(!files.is_empty());
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let outcome = std::panic::catch_unwind(|| nsx_core::frameworks::case_read::fuzz_one(&data));
        assert!(outcome.is_ok(), "{} made the reader panic", f.display());
    }
}
