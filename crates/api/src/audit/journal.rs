//! The audit journal (`--audit-journal`): takes an action's audit Event off the request path
//! without risking it. The Event is appended to a file and flushed to disk before the action
//! is answered; it is then created in Kubernetes in the background, retried until it is; a
//! server that dies first finds it in the file when it starts again and creates it then.
//! Each Event's name is unique to its action, so one created twice (the server died between
//! creating it and noting so) is refused the second time as already there, and the trail
//! holds it once.
//!
//! One thread owns the file: appends that arrive together share one write and one flush,
//! so concurrent actions wait for one disk flush, not one each. The file holds a line per
//! Event and a line per Event created; it is emptied whenever nothing is pending and
//! rewritten with only what is pending when it grows large.
//!
//! The file is read as bytes: a line cut by a crash (inside a multi-byte character too) is
//! skipped, never a reason not to start. Each line carries an HMAC-SHA256 under a key derived
//! from the server's secret ([`Key`]), so a line planted in the file (by whoever can write
//! the volume) is refused, not turned into an Event the server writes in its own name. Its
//! files are opened without following links, and the one it rewrites into is created anew.
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use k8s_openapi::api::core::v1::Event;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, oneshot};

use crate::cluster::{Cluster, ClusterError};
use crate::metrics::METRICS;

/// Events on disk but not yet in Kubernetes beyond which an action's Event is written on
/// its request path instead: the journal stays bounded, and a Kubernetes that does not take
/// Events slows actions down rather than letting the file grow without end.
const MAX_PENDING: usize = 10_000;
/// Appends written and flushed together at most.
const BATCH: usize = 512;
/// Size beyond which the file is rewritten with only what is pending.
const COMPACT_AT: u64 = 8 << 20;
/// Events created at once. Few: they are written behind the actions, so they should not
/// crowd the actions' own writes out of the API server (`make bench`: two at once cut a
/// reconcile's p50 by a fifth against eight at once, and keep up with 400 actions a second).
const CONCURRENCY: usize = 2;
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(60);

/// What authenticates the journal's lines: a key derived from the server's secret, so that
/// the next start of the same configuration (or another replica's) reads what this one wrote.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl Key {
    pub fn derive(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // Expanding 32 bytes from HKDF-SHA256 cannot fail (the limit is 255 * 32).
        let _ = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"flux-web"), secret)
            .expand(b"flux-web audit journal v1", &mut key);
        Self(key)
    }

    fn mac(&self) -> Hmac<sha2::Sha256> {
        // HMAC takes a key of any length.
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    /// `json` as a line of the file: its MAC, a space, the JSON.
    fn sign(&self, json: &str) -> String {
        let mut mac = self.mac();
        mac.update(json.as_bytes());
        format!("{} {json}", B64.encode(mac.finalize().into_bytes()))
    }

    /// The JSON of a line whose MAC this key made; `None` for anything else.
    fn open<'a>(&self, line: &'a [u8]) -> Option<&'a [u8]> {
        let space = line.iter().position(|b| *b == b' ')?;
        let (tag, json) = (&line[..space], &line[space + 1..]);
        let tag = B64.decode(tag).ok()?;
        let mut mac = self.mac();
        mac.update(json);
        mac.verify_slice(&tag).ok()?;
        Some(json)
    }
}

/// One line of the file.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Line {
    /// An Event to create.
    Event(Box<Event>),
    /// The Event of this name is created.
    Done(String),
}

enum Command {
    Append(Box<Event>, oneshot::Sender<Result<(), String>>),
    Done(String),
}

#[derive(Clone)]
pub struct Journal {
    commands: mpsc::Sender<Command>,
    /// Events on disk not yet created.
    pending: Arc<AtomicUsize>,
}

impl Journal {
    /// Opens (or creates) the journal at `path`, and creates in the background, as the
    /// server, the Events a server before this one left pending.
    pub fn open(path: &Path, key: Key, cluster: Cluster) -> std::io::Result<Self> {
        let left = read(path, &key)?;
        let file = rewrite(path, left.values())?;
        let pending = Arc::new(AtomicUsize::new(left.len()));
        if !left.is_empty() {
            tracing::info!(
                events = left.len(),
                "audit journal: creating the Events a previous run left pending"
            );
        }
        let (commands, received) = mpsc::channel();
        let (deliveries, to_deliver) = tokio::sync::mpsc::unbounded_channel();
        for line in left.values() {
            if let Some(Line::Event(event)) = key.open(line.as_bytes()).and_then(parse) {
                let _ = deliveries.send(event);
            }
        }
        let journal = Self { commands, pending };
        let writer = Writer {
            key,
            path: path.to_owned(),
            file,
            lines: left,
            pending: journal.pending.clone(),
            deliveries,
        };
        std::thread::Builder::new()
            .name("audit-journal".into())
            .spawn(move || writer.run(&received))?;
        tokio::spawn(deliver(cluster, journal.clone(), to_deliver));
        Ok(journal)
    }

    /// Appends `event` and flushes it to disk: once this answers `Ok`, the Event will be
    /// created even if the server dies. `Err` when the journal cannot take it (full, or the
    /// disk failed): the caller writes it itself.
    pub async fn append(&self, event: Event) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Append(Box::new(event), reply))
            .map_err(|_| "the audit journal has stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the audit journal has stopped".to_owned())?
    }

    /// Events on disk not yet created in Kubernetes.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Waits until nothing is pending, or `deadline` passes: what is left is created by
    /// the next start.
    pub async fn drain(&self, deadline: Duration) {
        let until = tokio::time::Instant::now() + deadline;
        while self.pending() > 0 && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn done(&self, name: String) {
        let _ = self.commands.send(Command::Done(name));
    }
}

/// Opens a file of the journal for reading or appending, without following a link.
fn open_file(path: &Path, append: bool) -> std::io::Result<File> {
    OpenOptions::new()
        .read(!append)
        .append(append)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

fn parse(json: &[u8]) -> Option<Line> {
    serde_json::from_slice(json).ok()
}

/// The Events a file holds that were not created, by name, as their lines. A line that is
/// not one this key signed is skipped: cut short by a crash mid-write (it was never
/// acknowledged), or written by someone else.
fn read(path: &Path, key: &Key) -> std::io::Result<HashMap<String, String>> {
    let file = match open_file(path, false) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e),
    };
    let mut left = HashMap::new();
    let (mut cut, mut refused) = (0, 0);
    for line in BufReader::new(file).split(b'\n') {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let Some(json) = key.open(&line) else {
            // A signed line that breaks off (a crash) lost its end, so it fails its MAC too:
            // only a line with no MAC shape at all is plainly cut; the rest are counted apart.
            if line.contains(&b' ') {
                refused += 1;
            } else {
                cut += 1;
            }
            continue;
        };
        // Signed by this key, it is the JSON this server wrote, so it is text.
        let text = String::from_utf8_lossy(&line).into_owned();
        match parse(json) {
            Some(Line::Event(event)) => {
                left.insert(event.metadata.name.clone().unwrap_or_default(), text);
            }
            Some(Line::Done(name)) => {
                left.remove(&name);
            }
            None => cut += 1,
        }
    }
    if cut + refused > 0 {
        tracing::warn!(
            skipped = cut + refused,
            "audit journal: lines skipped that this server did not write whole under its key \
             (cut short by a crash, written under another key, or planted)"
        );
    }
    Ok(left)
}

/// Writes `lines` to a new file that replaces the one at `path`, and opens it to append.
fn rewrite<'a>(path: &Path, lines: impl Iterator<Item = &'a String>) -> std::io::Result<File> {
    let fresh = path.with_extension("new");
    // Whatever is there (a file left by a crash, or a link planted to make us write through
    // it) goes; the new file is created anew, never opened through a link.
    match std::fs::remove_file(&fresh) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    // It names users and groups: for the server's eyes only.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(&fresh)?;
    for line in lines {
        writeln!(file, "{line}")?;
    }
    file.sync_all()?;
    std::fs::rename(&fresh, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    open_file(path, true)
}

struct Writer {
    key: Key,
    path: PathBuf,
    file: File,
    /// The lines of the Events pending, by name.
    lines: HashMap<String, String>,
    pending: Arc<AtomicUsize>,
    deliveries: tokio::sync::mpsc::UnboundedSender<Box<Event>>,
}

impl Writer {
    fn run(mut self, commands: &mpsc::Receiver<Command>) {
        while let Ok(first) = commands.recv() {
            let mut batch = vec![first];
            batch.extend(commands.try_iter().take(BATCH));
            self.write(batch);
        }
    }

    fn write(&mut self, batch: Vec<Command>) {
        let mut text = String::new();
        let mut appended = Vec::new();
        for command in batch {
            match command {
                Command::Append(event, reply) => {
                    if self.lines.len() >= MAX_PENDING {
                        let _ = reply.send(Err("the audit journal is full".into()));
                        continue;
                    }
                    let name = event.metadata.name.clone().unwrap_or_default();
                    let line = match serde_json::to_string(&Line::Event(event.clone())) {
                        Ok(json) => self.key.sign(&json),
                        Err(e) => {
                            let _ = reply.send(Err(e.to_string()));
                            continue;
                        }
                    };
                    text.push_str(&line);
                    text.push('\n');
                    self.lines.insert(name.clone(), line);
                    appended.push((name, event, reply));
                }
                Command::Done(name) => {
                    if self.lines.remove(&name).is_some()
                        && let Ok(json) = serde_json::to_string(&Line::Done(name))
                    {
                        text.push_str(&self.key.sign(&json));
                        text.push('\n');
                    }
                }
            }
        }
        // Only appends need the flush: a "done" lost in a crash makes a retry that Kubernetes
        // refuses as already there.
        let written = self.file.write_all(text.as_bytes()).and_then(|()| {
            if appended.is_empty() {
                Ok(())
            } else {
                self.file.sync_data()
            }
        });
        for (name, event, reply) in appended {
            match &written {
                Ok(()) => {
                    let _ = self.deliveries.send(event);
                    let _ = reply.send(Ok(()));
                }
                Err(e) => {
                    self.lines.remove(&name);
                    let _ = reply.send(Err(format!("the audit journal cannot write: {e}")));
                }
            }
        }
        self.pending.store(self.lines.len(), Ordering::Release);
        if let Err(e) = self.compact() {
            tracing::error!("audit journal: cannot compact {}: {e}", self.path.display());
        }
    }

    /// Empties the file when nothing is pending; rewrites it with what is when it is large.
    fn compact(&mut self) -> std::io::Result<()> {
        let size = self.file.metadata()?.len();
        if self.lines.is_empty() && size > 0 {
            // Appending, the next line goes to the new end.
            self.file.set_len(0)?;
        } else if size > COMPACT_AT {
            self.file = rewrite(&self.path, self.lines.values())?;
        }
        Ok(())
    }
}

/// Creates the journal's Events as they come, a few at a time, each retried until
/// Kubernetes has it; then notes it done.
async fn deliver(
    cluster: Cluster,
    journal: Journal,
    mut events: tokio::sync::mpsc::UnboundedReceiver<Box<Event>>,
) {
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    while let Some(event) = events.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (cluster, journal) = (cluster.clone(), journal.clone());
        tokio::spawn(async move {
            create(&cluster, &event).await;
            journal.done(event.metadata.name.clone().unwrap_or_default());
            drop(slot);
        });
    }
}

async fn create(cluster: &Cluster, event: &Event) {
    let mut wait = FIRST_RETRY;
    loop {
        match cluster.create_event(event).await {
            // Already there: created before the server stopped, without its "done".
            Ok(()) | Err(ClusterError::Conflict(_)) => {
                METRICS.audit("written");
                return;
            }
            Err(e) => {
                METRICS.audit("retried");
                tracing::warn!(
                    event = event.metadata.name.as_deref().unwrap_or_default(),
                    "audit event not written yet, retried in {wait:?}: {e}"
                );
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LAST_RETRY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str) -> Event {
        Event {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some(name.into()),
                namespace: Some("apps".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn key() -> Key {
        Key::derive(b"the server's secret")
    }

    fn line(l: &Line) -> String {
        key().sign(&serde_json::to_string(l).unwrap())
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("flux-web-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(left: &HashMap<String, String>) -> Vec<String> {
        let mut names: Vec<_> = left.keys().cloned().collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_read_again_holds_the_events_not_done_and_skips_a_line_cut_short() {
        let dir = scratch("cut");
        let path = dir.join("audit.journal");
        let text = [
            line(&Line::Event(Box::new(event("a.1")))),
            line(&Line::Event(Box::new(event("b.2")))),
            line(&Line::Done("a.1".into())),
            line(&Line::Event(Box::new(event("c.3")))),
        ]
        .join("\n");
        // The last append was cut short by a crash.
        let cut = line(&Line::Event(Box::new(event("d.4"))));
        std::fs::write(&path, format!("{text}\n{}", &cut[..cut.len() / 2])).unwrap();
        let left = read(&path, &key()).unwrap();
        assert_eq!(names(&left), ["b.2", "c.3"]);

        // Rewritten, the file holds just those two, and appends after them.
        let mut file = rewrite(&path, left.values()).unwrap();
        writeln!(file, "{}", line(&Line::Done("b.2".into()))).unwrap();
        let again = read(&path, &key()).unwrap();
        assert_eq!(names(&again), ["c.3"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A crash that cut a line inside a multi-byte character (a user `zoë`) leaves bytes
    /// that are no UTF-8: the lines before it are read, the cut one skipped, start-up goes on.
    #[test]
    fn a_line_cut_inside_a_multi_byte_character_is_skipped_and_the_rest_is_read() {
        let dir = scratch("utf8");
        let path = dir.join("audit.journal");
        let mut zoe = event("z.1");
        zoe.message = Some("User 'zoë' performed action 'reconcile'".into());
        let whole = line(&Line::Event(Box::new(event("a.1"))));
        let cut = line(&Line::Event(Box::new(zoe)));
        let at = cut.find('ë').unwrap() + 1; // inside the two bytes of ë
        let mut bytes = format!("{whole}\n").into_bytes();
        bytes.extend_from_slice(&cut.as_bytes()[..at]);
        assert!(String::from_utf8(bytes.clone()).is_err());
        std::fs::write(&path, bytes).unwrap();
        let left = read(&path, &key()).unwrap();
        assert_eq!(names(&left), ["a.1"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A line in the file that this server did not sign (planted by whoever can write the
    /// volume, or signed under another secret) is not an Event to write.
    #[test]
    fn a_planted_line_or_one_under_another_key_is_refused() {
        let dir = scratch("planted");
        let path = dir.join("audit.journal");
        let planted = serde_json::to_string(&Line::Event(Box::new(event("forged.1")))).unwrap();
        let other = Key::derive(b"another secret").sign(&planted);
        let tampered = line(&Line::Event(Box::new(event("b.2")))).replace("b.2", "c.3");
        let text = [
            planted.clone(),
            format!("AAAA {planted}"),
            other,
            tampered,
            line(&Line::Event(Box::new(event("a.1")))),
        ]
        .join("\n");
        std::fs::write(&path, format!("{text}\n")).unwrap();
        let left = read(&path, &key()).unwrap();
        assert_eq!(names(&left), ["a.1"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The rewrite's new file is created anew: a link planted where it goes is removed, not
    /// written through; and the journal itself is not opened through a link.
    #[test]
    fn the_journal_never_writes_or_reads_through_a_planted_link() {
        let dir = scratch("links");
        let path = dir.join("audit.journal");
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep me").unwrap();
        std::os::unix::fs::symlink(&victim, path.with_extension("new")).unwrap();
        let entry = line(&Line::Event(Box::new(event("a.1"))));
        drop(rewrite(&path, [entry].iter()).unwrap());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(names(&read(&path, &key()).unwrap()), ["a.1"]);

        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(read(&path, &key()).is_err(), "read through a link");
        assert!(open_file(&path, true).is_err(), "appended through a link");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
