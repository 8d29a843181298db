//! Stamps the binary with the commit it was built from and, with the `embed-ui` feature,
//! compiles the built UI (crates/ui/dist, written by crates/ui/build) into it, so one file
//! serves the whole product. Without the feature the table of UI files is empty and the
//! binary says so (`--version`, the log at start, the answer at `/`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rustc-env=FLUX_WEB_COMMIT={}", commit(&manifest));
    println!("cargo:rerun-if-env-changed=FLUX_WEB_COMMIT");
    println!("cargo:rerun-if-env-changed=FLUX_WEB_UI_DIST");
    let table = if env::var_os("CARGO_FEATURE_EMBED_UI").is_some() {
        let dist = env::var_os("FLUX_WEB_UI_DIST")
            .map_or_else(|| manifest.join("../ui/dist"), PathBuf::from);
        println!("cargo:rerun-if-changed={}", dist.display());
        embed(&dist)
    } else {
        "pub static FILES: &[(&str, &[u8])] = &[];\n".to_owned()
    };
    if let Err(e) = fs::write(out.join("ui_files.rs"), table) {
        panic!("cannot write the UI table into {}: {e}", out.display());
    }
}

/// The commit: `FLUX_WEB_COMMIT` when the builder sets it (a build from a tarball has no
/// Git), else what Git says, else `unknown`.
fn commit(manifest: &Path) -> String {
    if let Ok(commit) = env::var("FLUX_WEB_COMMIT") {
        return commit;
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(manifest)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    // A new commit or checkout changes HEAD or the branch it points at.
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={dir}/{branch}");
        }
    }
    git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned())
}

/// `FILES`: every file of the flat `dist` directory by name, as `include_bytes!`.
fn embed(dist: &Path) -> String {
    let entries = fs::read_dir(dist).unwrap_or_else(|e| {
        panic!(
            "the embed-ui feature needs the built UI in {}: {e}; run crates/ui/build first \
             (make build does both)",
            dist.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    if !files.iter().any(|f| f.ends_with("index.html")) {
        panic!(
            "{} holds no index.html: run crates/ui/build",
            dist.display()
        );
    }
    let mut table = "pub static FILES: &[(&str, &[u8])] = &[\n".to_owned();
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let _ = writeln!(table, "    ({name:?}, include_bytes!({:?})),", file);
    }
    table.push_str("];\n");
    table
}
