//! A body stream that checks the artifact while it passes: its digest at the end and its size
//! all along. A mismatch ends the stream with an error, so the client sees a broken transfer
//! and never a complete file with the wrong content.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The algorithms of `status.artifact.digest` flux-web can check.
pub enum Hasher {
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    /// From `<algorithm>:<hex>`; `None` for an algorithm it cannot check.
    pub fn for_digest(digest: &str) -> Option<(Self, String)> {
        let (algorithm, hex) = digest.split_once(':')?;
        let hasher = match algorithm {
            "sha256" => Self::Sha256(Sha256::new()),
            "sha384" => Self::Sha384(Sha384::new()),
            "sha512" => Self::Sha512(Sha512::new()),
            _ => return None,
        };
        Some((hasher, hex.to_ascii_lowercase()))
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    fn hex(self) -> String {
        let bytes: Vec<u8> = match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

pub struct Verified<S> {
    inner: S,
    hasher: Option<Hasher>,
    expected: String,
    seen: u64,
    max: u64,
    what: String,
    /// The last chunk read, passed on only once the next one arrives or the digest matched:
    /// a client never holds the whole of a file that failed its check, whether the response
    /// announced its length or not.
    held: Option<Bytes>,
    /// The end of the time the whole transfer may take.
    deadline: Pin<Box<tokio::time::Sleep>>,
    timeout: std::time::Duration,
}

impl<S> Verified<S> {
    pub fn new(
        inner: S,
        hasher: Hasher,
        expected: String,
        max: u64,
        timeout: std::time::Duration,
        what: String,
    ) -> Self {
        Self {
            inner,
            hasher: Some(hasher),
            expected,
            seen: 0,
            max,
            what,
            held: None,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            timeout,
        }
    }

    /// Ends the transfer broken: what was held back is never sent.
    fn fail(&mut self, message: String) -> Poll<Option<Result<Bytes, std::io::Error>>> {
        self.hasher = None;
        self.held = None;
        Poll::Ready(Some(Err(broken(message))))
    }
}

fn broken(message: String) -> std::io::Error {
    tracing::error!("download aborted: {message}");
    std::io::Error::other(message)
}

impl<S, E> Stream for Verified<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.hasher.is_none() {
                // Verified: the held chunk, then the end.
                return Poll::Ready(this.held.take().map(Ok));
            }
            if this.deadline.as_mut().poll(cx).is_ready() {
                let message = format!(
                    "{}: storage did not deliver the artifact within download.timeout ({:?})",
                    this.what, this.timeout
                );
                return this.fail(message);
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                Poll::Ready(Some(Ok(chunk))) => {
                    this.seen += chunk.len() as u64;
                    if this.seen > this.max {
                        let message = format!(
                            "{} is larger than download.maxSize ({} bytes)",
                            this.what, this.max
                        );
                        return this.fail(message);
                    }
                    if let Some(hasher) = this.hasher.as_mut() {
                        hasher.update(&chunk);
                    }
                    if let Some(previous) = this.held.replace(chunk) {
                        return Poll::Ready(Some(Ok(previous)));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    let message = format!("{}: storage failed mid-transfer: {e}", this.what);
                    return this.fail(message);
                }
                Poll::Ready(None) => {
                    let got = this.hasher.take().map(Hasher::hex).unwrap_or_default();
                    if got != this.expected {
                        let message = format!(
                            "{}: digest mismatch, expected {} got {got}",
                            this.what, this.expected
                        );
                        return this.fail(message);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::{StreamExt, stream};

    use super::*;

    const HELLO_SHA256: &str =
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    async fn run(chunks: Vec<&'static str>, digest: &str, max: u64) -> Result<Vec<u8>, String> {
        let (hasher, expected) = Hasher::for_digest(digest).unwrap();
        let inner = stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from(c))),
        );
        let timeout = std::time::Duration::from_secs(5);
        let verified = Verified::new(inner, hasher, expected, max, timeout, "test".into());
        let (out, error) = drain(verified).await;
        error.map_or(Ok(out), Err)
    }

    /// Every byte the client would receive, and the error that ended the transfer.
    async fn drain<S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin>(
        mut stream: S,
    ) -> (Vec<u8>, Option<String>) {
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => out.extend_from_slice(&chunk),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
        (out, None)
    }

    #[tokio::test]
    async fn a_wrong_digest_never_lets_the_last_chunk_through() {
        let (hasher, expected) = Hasher::for_digest(HELLO_SHA256).unwrap();
        let chunks = ["hel", "", "lO"].map(|c| Ok::<_, std::io::Error>(Bytes::from(c)));
        let timeout = std::time::Duration::from_secs(5);
        let verified = Verified::new(
            stream::iter(chunks),
            hasher,
            expected,
            100,
            timeout,
            "t".into(),
        );
        let (out, error) = drain(verified).await;
        assert_eq!(out, b"hel", "the tampered end is held back");
        assert!(error.unwrap().contains("digest mismatch"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_is_cut_at_the_download_timeout() {
        let (hasher, expected) = Hasher::for_digest(HELLO_SHA256).unwrap();
        // One byte a second, forever: each gap is short, the whole is endless.
        let trickle = stream::unfold((), |()| async {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"h")), ()))
        });
        let timeout = std::time::Duration::from_secs(30);
        let verified = Verified::new(
            Box::pin(trickle),
            hasher,
            expected,
            1 << 20,
            timeout,
            "t".into(),
        );
        let started = tokio::time::Instant::now();
        let (out, error) = drain(verified).await;
        assert!(error.unwrap().contains("download.timeout"));
        assert_eq!(started.elapsed(), timeout);
        assert!(out.len() < 30);
    }

    #[tokio::test]
    async fn passes_the_bytes_when_the_digest_matches() {
        assert_eq!(
            run(vec!["hel", "lo"], HELLO_SHA256, 100).await.unwrap(),
            b"hello"
        );
        assert_eq!(
            run(
                vec!["hello"],
                &HELLO_SHA256.to_uppercase().replace("SHA256", "sha256"),
                100
            )
            .await
            .unwrap(),
            b"hello"
        );
    }

    #[tokio::test]
    async fn ends_with_an_error_when_the_digest_or_size_is_wrong() {
        let error = run(vec!["hellO"], HELLO_SHA256, 100).await.unwrap_err();
        assert!(error.contains("digest mismatch"), "{error}");
        let error = run(vec!["hel", "lo"], HELLO_SHA256, 4).await.unwrap_err();
        assert!(error.contains("larger than download.maxSize"), "{error}");
    }

    #[test]
    fn knows_the_sha2_family_only() {
        assert!(Hasher::for_digest("sha512:ab").is_some());
        assert!(Hasher::for_digest("blake3:ab").is_none());
        assert!(Hasher::for_digest("nocolon").is_none());
    }
}
