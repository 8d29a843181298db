//! A body stream that checks the artifact while it passes: its digest at the end and its size
//! all along. A mismatch ends the stream with an error, so the client sees a broken transfer
//! and never a complete file with the wrong content.

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
}

impl<S> Verified<S> {
    pub fn new(inner: S, hasher: Hasher, expected: String, max: u64, what: String) -> Self {
        Self {
            inner,
            hasher: Some(hasher),
            expected,
            seen: 0,
            max,
            what,
        }
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
        let Some(hasher) = this.hasher.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                this.seen += chunk.len() as u64;
                if this.seen > this.max {
                    this.hasher = None;
                    let message = format!(
                        "{} is larger than download.maxSize ({} bytes)",
                        this.what, this.max
                    );
                    return Poll::Ready(Some(Err(broken(message))));
                }
                hasher.update(&chunk);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.hasher = None;
                Poll::Ready(Some(Err(broken(format!(
                    "{}: storage failed mid-transfer: {e}",
                    this.what
                )))))
            }
            Poll::Ready(None) => {
                let Some(hasher) = this.hasher.take() else {
                    return Poll::Ready(None);
                };
                let got = hasher.hex();
                if got == this.expected {
                    Poll::Ready(None)
                } else {
                    let message = format!(
                        "{}: digest mismatch, expected {} got {got}",
                        this.what, this.expected
                    );
                    Poll::Ready(Some(Err(broken(message))))
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
        let mut verified = Verified::new(inner, hasher, expected, max, "test".into());
        let mut out = Vec::new();
        while let Some(item) = verified.next().await {
            out.extend_from_slice(&item.map_err(|e| e.to_string())?);
        }
        Ok(out)
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
