//! The commit this build is of, for `redbank_build_info` and the start line: from
//! `REDBANK_COMMIT` if set (a build without .git, such as an image's), else git's,
//! else "unknown".
fn main() {
    println!("cargo:rerun-if-env-changed=REDBANK_COMMIT");
    for watched in ["../../.git/HEAD", "../../.git/refs/heads", "../../.git/packed-refs"] {
        if std::path::Path::new(watched).exists() {
            println!("cargo:rerun-if-changed={watched}");
        }
    }
    let commit = std::env::var("REDBANK_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let out =
            std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    });
    println!("cargo:rustc-env=REDBANK_COMMIT={}", commit.unwrap_or_else(|| "unknown".to_owned()));
}
