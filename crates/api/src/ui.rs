//! The built SPA's files: in the binary itself (a build with the `embed-ui` feature, what
//! `make build` and the image ship) or in a directory (`--ui <dir>`, for working on the UI:
//! a rebuilt file shows at the next load). `http::ui` serves them.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

mod embedded {
    // Written by build.rs: the files of crates/ui/dist, or none without `embed-ui`.
    include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));
}

/// Where the UI's files come from.
#[derive(Clone, Debug)]
pub enum Assets {
    /// Compiled into the binary.
    Embedded,
    /// Read from this directory at each request.
    Dir(Arc<Path>),
    /// No UI: a binary built without `embed-ui` and started without `--ui`.
    None,
}

impl Assets {
    /// `--ui <dir>` when given, else what the binary holds.
    pub fn choose(dir: Option<&Path>) -> Self {
        match dir {
            Some(dir) => Self::Dir(Arc::from(dir)),
            None if embedded::FILES.is_empty() => Self::None,
            None => Self::Embedded,
        }
    }

    /// A file's bytes; `name` is a bare file name (the build writes a flat directory).
    pub async fn get(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        match self {
            Self::Embedded => embedded::FILES
                .iter()
                .find(|(file, _)| *file == name)
                .map(|(_, bytes)| Cow::Borrowed(*bytes)),
            Self::Dir(dir) => tokio::fs::read(dir.join(name)).await.ok().map(Cow::Owned),
            Self::None => None,
        }
    }
}

/// How `--version` and the start-up log describe the UI this binary holds.
pub fn embedded_summary() -> String {
    let files = embedded::FILES;
    if files.is_empty() {
        return "not embedded (built without the embed-ui feature: serve one with --ui <dir>, \
                or build with make build)"
            .to_owned();
    }
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    format!("embedded ({} files, {} KiB)", files.len(), bytes / 1024)
}
