//! Stamps the binary with the commit it was built from; builds the engine
//! (src/engine/guest, Flux's own code in Go compiled to WebAssembly) that the binary carries; and, with the
//! `embed-ui` feature, compiles the built UI (crates/ui/dist, written by crates/ui/build) into
//! it, so one file serves the whole product. Without the feature the table of UI files is
//! empty and the binary says so (`--version`, the log at start, the answer at `/`).

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
    let engine = engine(&manifest.join("src/engine/guest"));
    if let Err(e) = fs::copy(&engine, out.join("engine.wasm.gz")) {
        panic!(
            "cannot copy {} into {}: {e}",
            engine.display(),
            out.display()
        );
    }
}

/// The engine, gzipped: built by Go (`GOOS=wasip1 GOARCH=wasm`) from the guest's sources
/// once per change of them, and kept under `~/.cache/flux-web` (or `FLUX_WEB_ENGINE_CACHE`), since
/// it takes a minute and every profile wants the same bytes.
fn engine(guest: &Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=FLUX_WEB_ENGINE_CACHE");
    let mut sources = Vec::new();
    for name in ["main.go", "values.go", "go.mod", "go.sum"] {
        let file = guest.join(name);
        println!("cargo:rerun-if-changed={}", file.display());
        sources.extend(fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())));
    }
    let cache = env::var_os("FLUX_WEB_ENGINE_CACHE").map_or_else(
        || PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cache/flux-web"),
        PathBuf::from,
    );
    let built = cache.join(format!("preview-engine-{:016x}.wasm.gz", fnv(&sources)));
    if built.is_file() {
        return built;
    }
    if let Err(e) = fs::create_dir_all(&cache) {
        panic!("cannot create {}: {e}", cache.display());
    }
    let wasm = cache.join(format!("preview-engine-{}.wasm", std::process::id()));
    let status = Command::new("go")
        .args(["build", "-trimpath", "-ldflags=-s -w", "-o"])
        .arg(&wasm)
        .arg(".")
        .current_dir(guest)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("CGO_ENABLED", "0")
        .status()
        .unwrap_or_else(|e| panic!("the engine needs Go on the PATH: {e}"));
    if !status.success() {
        panic!("go build of {} failed: {status}", guest.display());
    }
    let bytes = fs::read(&wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    let _ = fs::remove_file(&wasm);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zipped = std::io::Write::write_all(&mut gz, &bytes)
        .and_then(|()| gz.finish())
        .unwrap_or_else(|e| panic!("gzip of the engine: {e}"));
    let partial = built.with_extension(format!("{}.partial", std::process::id()));
    if let Err(e) = fs::write(&partial, zipped).and_then(|()| fs::rename(&partial, &built)) {
        panic!("cannot write {}: {e}", built.display());
    }
    // Engines of older sources are never built from again: 10 MB each, they would pile up.
    for old in fs::read_dir(&cache).into_iter().flatten().flatten() {
        let name = old.file_name().to_string_lossy().into_owned();
        if name.starts_with("preview-engine-") && name.ends_with(".wasm.gz") && old.path() != built
        {
            let _ = fs::remove_file(old.path());
        }
    }
    built
}

/// FNV-1a of the guest's sources: a cache key stable across Rust releases, unlike std's hasher.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
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
