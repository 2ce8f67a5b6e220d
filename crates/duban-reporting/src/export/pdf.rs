//! The workbook printed to PDF by LibreOffice (`soffice --headless
//! --convert-to pdf`), which lays out CJK text and the page setup of the
//! workbook (landscape A4, fit to width, header row on every page) as a
//! printout of the file would; no Rust library does. Each conversion runs in a
//! directory and LibreOffice profile of its own, so conversions in parallel do
//! not share (and lock) a profile.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use duban_infra::api::Refusal;

use crate::error::ReportingError;

/// The program converting, looked up on `PATH`.
const SOFFICE: &str = "soffice";
/// Longer than any table takes (a few seconds), short enough to free the call.
const TIMEOUT: Duration = Duration::from_secs(120);
/// The reason of the refusal when LibreOffice is not installed.
pub const CONVERTER_MISSING: &str = "CONVERTER_MISSING";

/// Returns whether `soffice` is on `PATH`.
pub fn available() -> bool {
    find_program(SOFFICE).is_some()
}

/// Refuses PDF (FAILED_PRECONDITION) where LibreOffice is not installed.
pub fn ensure_available() -> Result<(), ReportingError> {
    if available() { Ok(()) } else { Err(missing()) }
}

fn missing() -> ReportingError {
    ReportingError::FailedPrecondition(Refusal::new(
        CONVERTER_MISSING,
        "",
        "PDF export needs LibreOffice on the reporting server: install \
         libreoffice-calc-nogui (and fonts-noto-cjk for the Chinese text), or export XLSX",
    ))
}

/// Returns the path of `program` on `PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

/// Converts the workbook `xlsx` to PDF.
pub fn convert(xlsx: &[u8]) -> anyhow::Result<Vec<u8>> {
    let work = WorkDir::new()?;
    let input = work.0.join("table.xlsx");
    std::fs::write(&input, xlsx).context("cannot write the workbook to convert")?;
    run_soffice(&work.0, &input, "pdf")?;
    std::fs::read(work.0.join("table.pdf")).context("LibreOffice wrote no PDF")
}

/// Runs `soffice --convert-to {to}` on `input`, writing beside it, with a
/// profile under `dir`.
fn run_soffice(dir: &Path, input: &Path, to: &str) -> anyhow::Result<()> {
    let profile = url::Url::from_directory_path(dir.join("profile"))
        .map_err(|()| anyhow::anyhow!("`{}` is no absolute path", dir.display()))?;
    let mut child = Command::new(SOFFICE)
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(input)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start soffice")?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            if status.success() {
                return Ok(());
            }
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                std::io::Read::read_to_string(&mut pipe, &mut stderr).ok();
            }
            bail!("soffice failed ({status}): {}", stderr.trim());
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            bail!("soffice took more than {} s", TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> anyhow::Result<Self> {
        let name = format!("duban-pdf-{}", uuid::Uuid::new_v4().simple());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create `{}`", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

#[cfg(test)]
mod tests {
    use tonic::{Code, Status};

    use super::*;

    #[test]
    fn without_libreoffice_pdf_is_refused_naming_the_package() {
        let status = Status::from(missing());
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert!(
            status.message().contains("libreoffice-calc-nogui"),
            "{}",
            status.message()
        );
        assert!(find_program("duban-no-such-program").is_none());
    }
}
