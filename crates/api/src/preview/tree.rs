//! A source's artifact unpacked for a build, within caps: only relative paths without `..`,
//! only files and directories (a link could point the build outside the tree), a bounded
//! number of entries and bytes. The tree lives in a directory of its own under the system's
//! temporary one, removed when the [`Tree`] is dropped.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// What an artifact may hold.
#[derive(Debug, Clone, Copy)]
pub struct TreeCaps {
    pub entries: usize,
    /// Unpacked, all files together.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("the artifact holds more than {0} entries")]
    Entries(usize),
    #[error("the artifact unpacks to more than {0} MiB")]
    Bytes(u64),
    #[error("the artifact holds {0:?}, a path outside its tree")]
    Outside(String),
    #[error("the artifact holds {0:?}, a link or a special file: refused")]
    Link(String),
    #[error("the artifact is not a gzipped tarball: {0}")]
    Unreadable(String),
    #[error("cannot unpack the artifact here: {0}")]
    Local(String),
}

/// An unpacked tree, removed when dropped.
#[derive(Debug)]
pub struct Tree {
    root: PathBuf,
}

impl Tree {
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Unpacks the gzipped tarball `artifact` into a new temporary directory.
pub fn unpack(artifact: &[u8], caps: TreeCaps) -> Result<Tree, TreeError> {
    let root = std::env::temp_dir().join(format!("flux-web-preview-{}", uuid::Uuid::new_v4()));
    fs::create_dir(&root).map_err(|e| TreeError::Local(e.to_string()))?;
    let tree = Tree { root };
    let unreadable = |e: std::io::Error| TreeError::Unreadable(e.to_string());
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(artifact));
    let (mut entries, mut bytes) = (0usize, 0u64);
    for entry in archive.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        entries += 1;
        if entries > caps.entries {
            return Err(TreeError::Entries(caps.entries));
        }
        let path = entry.path().map_err(unreadable)?.into_owned();
        let shown = path.display().to_string();
        let relative = inside(&path).ok_or_else(|| TreeError::Outside(shown.clone()))?;
        let at = tree.root.join(&relative);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            fs::create_dir_all(&at).map_err(|e| TreeError::Local(e.to_string()))?;
            continue;
        }
        if !kind.is_file() {
            return Err(TreeError::Link(shown));
        }
        let size = entry.size();
        bytes += size;
        if bytes > caps.bytes {
            return Err(TreeError::Bytes(caps.bytes / (1024 * 1024)));
        }
        if let Some(parent) = at.parent() {
            fs::create_dir_all(parent).map_err(|e| TreeError::Local(e.to_string()))?;
        }
        // The header's size is what was counted: read no more than that.
        let mut body = Vec::new();
        (&mut entry)
            .take(size)
            .read_to_end(&mut body)
            .map_err(unreadable)?;
        fs::write(&at, body).map_err(|e| TreeError::Local(e.to_string()))?;
    }
    Ok(tree)
}

/// `path` as a plain relative path, or none when it is absolute or climbs out.
fn inside(path: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(name) => relative.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: TreeCaps = TreeCaps {
        entries: 10,
        bytes: 1024,
    };

    /// A gzipped tarball of `entries` (path, type, body), written by hand so that the paths a
    /// well-behaved archiver refuses to write can be.
    fn tarball(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, kind, body) in entries {
            let mut header = tar::Header::new_gnu();
            let name = &mut header.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_entry_type(*kind);
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append(&header, *body).unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_tree_of_files_and_directories_unpacks_and_is_gone_when_dropped() {
        let gz = tarball(&[
            ("apps/", tar::EntryType::Directory, b""),
            ("apps/web.yaml", tar::EntryType::Regular, b"kind: Service\n"),
            ("./top.yaml", tar::EntryType::Regular, b"kind: ConfigMap\n"),
        ]);
        let tree = unpack(&gz, CAPS).unwrap();
        let root = tree.root().to_owned();
        assert_eq!(
            fs::read(root.join("apps/web.yaml")).unwrap(),
            b"kind: Service\n"
        );
        assert_eq!(
            fs::read(root.join("top.yaml")).unwrap(),
            b"kind: ConfigMap\n"
        );
        drop(tree);
        assert!(!root.exists());
    }

    #[test]
    fn paths_out_links_and_too_much_are_refused() {
        let regular = tar::EntryType::Regular;
        let cases: [(Vec<u8>, &str); 5] = [
            (tarball(&[("../evil.yaml", regular, b"x")]), "outside"),
            (tarball(&[("/etc/evil.yaml", regular, b"x")]), "outside"),
            (tarball(&[("link", tar::EntryType::Symlink, b"")]), "link"),
            (tarball(&[("big", regular, &[b'x'; 2048])]), "MiB"),
            (
                tarball(&vec![("f", regular, &b"x"[..]); 11]),
                "more than 10 entries",
            ),
        ];
        for (gz, said) in cases {
            let refused = unpack(&gz, CAPS).unwrap_err().to_string();
            assert!(refused.contains(said), "{refused} should say {said}");
        }
        let refused = unpack(b"not gzip", CAPS).unwrap_err();
        assert!(matches!(refused, TreeError::Unreadable(_)), "{refused}");
    }
}
