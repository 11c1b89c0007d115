//! Where an O*NET release comes from: a folder, the official zip, or a URL (downloaded
//! with a progress bar into the data folder, then read as a zip).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::import::progress::Progress;

/// One readable file of a release.
#[derive(Debug, Clone)]
enum FileRef {
    Path(PathBuf),
    Zip {
        archive: Arc<PathBuf>,
        entry: String,
    },
}

/// The files of one release, by lower-cased file name.
#[derive(Debug, Clone)]
pub struct ReleaseFiles {
    /// Where the files came from (for reports and citations).
    pub origin: String,
    files: BTreeMap<String, (String, FileRef)>,
    /// Sub-folders named `supplement_<MAJOR.MINOR>`: partial releases shipped alongside.
    pub supplements: Vec<(String, ReleaseFiles)>,
}

impl ReleaseFiles {
    /// Opens a folder or a zip file.
    pub fn open(path: &Path) -> Result<ReleaseFiles> {
        if path.is_dir() {
            Self::open_dir(path)
        } else if path.is_file() {
            Self::open_zip(path)
        } else {
            Err(Error::Import(format!(
                "{}: no such folder or file (give a release folder, the official zip, or a URL)",
                path.display()
            )))
        }
    }

    fn open_dir(dir: &Path) -> Result<ReleaseFiles> {
        let mut files = BTreeMap::new();
        let mut supplements = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io_at(dir, e))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if p.is_dir() {
                if let Some(label) = name.strip_prefix("supplement_") {
                    supplements.push((label.to_string(), Self::open_dir(&p)?));
                }
                continue;
            }
            if name.to_ascii_lowercase().ends_with(".txt") {
                files.insert(name.to_ascii_lowercase(), (name, FileRef::Path(p)));
            }
        }
        Ok(ReleaseFiles {
            origin: dir.display().to_string(),
            files,
            supplements,
        })
    }

    fn open_zip(path: &Path) -> Result<ReleaseFiles> {
        let f = File::open(path).map_err(|e| Error::io_at(path, e))?;
        let zip = zip::ZipArchive::new(f).map_err(|e| {
            Error::Import(format!(
                "{}: not a readable zip archive: {e}",
                path.display()
            ))
        })?;
        let archive = Arc::new(path.to_path_buf());
        let mut files = BTreeMap::new();
        for name in zip.file_names() {
            let name = name.map_err(|e| {
                Error::Import(format!("{}: unreadable entry name: {e}", path.display()))
            })?;
            let name: &str = &name;
            // Official zips hold one folder (db_30_1_text/); take the base name.
            let base = name.rsplit('/').next().unwrap_or(name);
            if base.to_ascii_lowercase().ends_with(".txt") && !name.contains("__MACOSX") {
                files.insert(
                    base.to_ascii_lowercase(),
                    (
                        base.to_string(),
                        FileRef::Zip {
                            archive: archive.clone(),
                            entry: name.to_string(),
                        },
                    ),
                );
            }
        }
        Ok(ReleaseFiles {
            origin: path.display().to_string(),
            files,
            supplements: Vec::new(),
        })
    }

    /// Whether the release has a file (case-insensitive).
    pub fn has(&self, name: &str) -> bool {
        self.files.contains_key(&name.to_ascii_lowercase())
    }

    /// All file names present, as spelled in the release.
    pub fn names(&self) -> Vec<String> {
        self.files.values().map(|(n, _)| n.clone()).collect()
    }

    /// Reads a file as UTF-8 text (a byte-order mark is dropped). `None` if absent.
    pub fn read(&self, name: &str) -> Result<Option<String>> {
        let Some((shown, r)) = self.files.get(&name.to_ascii_lowercase()) else {
            return Ok(None);
        };
        let bytes = match r {
            FileRef::Path(p) => std::fs::read(p).map_err(|e| Error::io_at(p, e))?,
            FileRef::Zip { archive, entry } => {
                let f = File::open(archive.as_path()).map_err(|e| Error::io_at(archive, e))?;
                let mut zip = zip::ZipArchive::new(f)
                    .map_err(|e| Error::Import(format!("{}: {e}", archive.display())))?;
                let mut file = zip
                    .by_name(entry)
                    .map_err(|e| Error::Import(format!("{}: {entry}: {e}", archive.display())))?;
                let mut buf = Vec::with_capacity(file.size() as usize);
                file.read_to_end(&mut buf)
                    .map_err(|e| Error::Import(format!("{}: {entry}: {e}", archive.display())))?;
                buf
            }
        };
        let mut text = String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line_start = bytes[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1);
            Error::Source(nsx_core::onet::RowError {
                file: shown.clone(),
                line: bytes[..at].iter().filter(|b| **b == b'\n').count() + 1,
                field: "text".into(),
                message: format!(
                    "byte 0x{:02X} at character {} is not UTF-8; save the file as UTF-8",
                    bytes[at],
                    String::from_utf8_lossy(&bytes[line_start..at])
                        .chars()
                        .count()
                        + 1
                ),
            })
        })?;
        if text.starts_with('\u{feff}') {
            text.drain(..3);
        }
        Ok(Some(text))
    }
}

/// Downloads a URL into `dir` with a progress bar and returns the saved file's path.
/// A complete earlier download of the same URL is reused.
pub async fn download(url: &str, dir: &Path, progress: &dyn Progress) -> Result<PathBuf> {
    let parsed =
        url::Url::parse(url).map_err(|e| Error::Import(format!("{url}: not a URL: {e}")))?;
    let name = parsed
        .path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|s| !s.is_empty())
        .unwrap_or("download.zip")
        .to_string();
    std::fs::create_dir_all(dir).map_err(|e| Error::io_at(dir, e))?;
    let target = dir.join(&name);
    if target.is_file() {
        progress.message(&format!("using the earlier download {}", target.display()));
        return Ok(target);
    }
    crate::app::install_tls_provider();
    let client = reqwest::Client::builder()
        .user_agent(concat!("nsx/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| Error::Import(format!("HTTP client: {e}")))?;
    let mut resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| Error::Import(format!("{url}: download failed: {e}")))?;
    if !resp.status().is_success() {
        return Err(Error::Import(format!(
            "{url}: the server answered {}",
            resp.status()
        )));
    }
    let total = resp.content_length().unwrap_or(0);
    progress.start(&format!("download {name}"), total);
    let partial = dir.join(format!("{name}.part"));
    let mut out = tokio::fs::File::create(&partial)
        .await
        .map_err(|e| Error::io_at(&partial, e))?;
    use tokio::io::AsyncWriteExt;
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Error::Import(format!("{url}: download interrupted: {e}")))?
    {
        out.write_all(&chunk)
            .await
            .map_err(|e| Error::io_at(&partial, e))?;
        progress.advance(chunk.len() as u64);
    }
    out.flush().await.map_err(|e| Error::io_at(&partial, e))?;
    drop(out);
    tokio::fs::rename(&partial, &target)
        .await
        .map_err(|e| Error::io_at(&target, e))?;
    progress.finish("downloaded");
    Ok(target)
}
