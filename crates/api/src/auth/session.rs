//! The browser's session: an encrypted, authenticated cookie, so any replica with the same
//! config reads it and nobody else can read or forge it. Also the short-lived cookie that
//! carries a login's state, nonce and PKCE verifier from `/oauth2/authorize` to
//! `/oauth2/callback`.
//!
//! Sealing is AES-256-GCM under a key derived with HKDF-SHA256 from `sessionKey` (or the
//! client secret); the cookie's name is the associated data, so a sealed login state cannot
//! be replayed as a session or the other way round.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Nonce};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};

use super::Identity;

pub const SESSION_COOKIE: &str = "flux-web-session";
pub const LOGIN_COOKIE: &str = "flux-web-login";
/// A login must come back from the identity provider within this many seconds.
pub const LOGIN_TTL: i64 = 600;
/// Browsers keep cookies up to 4096 bytes with their name and attributes.
const CHUNK: usize = 3800;
/// Chunks beyond this are not read: a session is never that large.
const MAX_CHUNKS: usize = 8;
const NONCE_LEN: usize = 12;

/// Random URL-safe text of `bytes` random bytes: states, nonces, PKCE verifiers.
pub fn random(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    B64.encode(buffer)
}

pub struct Sealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

impl Sealer {
    pub fn new(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // Expanding 32 bytes from HKDF-SHA256 cannot fail (the limit is 255 * 32).
        let _ = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"flux-web"), secret)
            .expand(b"flux-web session cookie v1", &mut key);
        Self {
            cipher: Aes256Gcm::new(&key.into()),
        }
    }

    pub fn seal(&self, name: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: name.as_bytes(),
        };
        // Encryption only fails for messages beyond GCM's 64 GiB limit.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        B64.encode(out)
    }

    /// `None` for anything this key did not seal under this name.
    pub fn open(&self, name: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = B64.decode(sealed).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: name.as_bytes(),
        };
        self.cipher.decrypt(Nonce::from_slice(nonce), payload).ok()
    }

    pub fn seal_json<T: Serialize>(&self, name: &str, value: &T) -> String {
        self.seal(name, &serde_json::to_vec(value).unwrap_or_default())
    }

    pub fn open_json<T: for<'de> Deserialize<'de>>(&self, name: &str, sealed: &str) -> Option<T> {
        serde_json::from_slice(&self.open(name, sealed)?).ok()
    }
}

/// What the session cookie holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub username: String,
    pub groups: Vec<String>,
    pub name: String,
    /// Unix seconds after which the session is over, whatever the tokens say.
    pub expires: i64,
    /// Unix seconds at which the ID token expires and must be refreshed.
    pub token_expires: i64,
    pub refresh_token: Option<String>,
}

impl Session {
    pub fn identity(&self) -> Identity {
        Identity {
            username: self.username.clone(),
            groups: self.groups.clone(),
            display_name: self.name.clone(),
        }
    }
}

/// What the login cookie holds between authorize and callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub original_path: String,
    pub expires: i64,
}

/// How cookies are written: `Secure` unless the config says `insecure`. A secure cookie's
/// name carries the browser-enforced prefix: `__Host-` on `/` (no other host or path can set
/// or shadow it), `__Secure-` elsewhere.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    pub secure: bool,
}

impl Cookies {
    fn wire_name(&self, name: &str, path: &str) -> String {
        match (self.secure, path) {
            (false, _) => name.to_owned(),
            (true, "/") => format!("__Host-{name}"),
            (true, _) => format!("__Secure-{name}"),
        }
    }

    /// The value of cookie `name` on `path` as this server writes it, and its chunk count.
    pub fn read(&self, headers: &HeaderMap, name: &str, path: &str) -> Option<(String, usize)> {
        read(headers, &self.wire_name(name, path))
    }

    /// The `Set-Cookie` values that store `sealed` as `name`, in chunks when large, and clear
    /// the chunks a larger earlier value left (`had` chunks).
    pub fn set(
        &self,
        name: &str,
        path: &str,
        sealed: &str,
        max_age: i64,
        had: usize,
    ) -> Vec<HeaderValue> {
        let chunks: Vec<&str> = sealed
            .as_bytes()
            .chunks(CHUNK)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        let mut values: Vec<_> = chunks
            .iter()
            .enumerate()
            .filter_map(|(i, chunk)| self.cookie(name, i, path, chunk, max_age))
            .collect();
        values.extend((chunks.len()..had).filter_map(|i| self.cookie(name, i, path, "", 0)));
        values
    }

    /// The values that remove `name` and its `had` chunks.
    pub fn clear(&self, name: &str, path: &str, had: usize) -> Vec<HeaderValue> {
        (0..had.max(1))
            .filter_map(|i| self.cookie(name, i, path, "", 0))
            .collect()
    }

    fn cookie(
        &self,
        name: &str,
        chunk: usize,
        path: &str,
        value: &str,
        max_age: i64,
    ) -> Option<HeaderValue> {
        let name = chunk_name(&self.wire_name(name, path), chunk);
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        ))
        .ok()
    }
}

fn chunk_name(name: &str, i: usize) -> String {
    if i == 0 {
        name.to_owned()
    } else {
        format!("{name}.{i}")
    }
}

/// The value of cookie `name` reassembled from its chunks, and how many chunks it had.
pub fn read(headers: &HeaderMap, name: &str) -> Option<(String, usize)> {
    let jar: Vec<(&str, &str)> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .collect();
    let find = |wanted: &str| jar.iter().find(|(n, _)| *n == wanted).map(|(_, v)| *v);
    let mut value = String::from(find(name)?);
    let mut count = 1;
    while count < MAX_CHUNKS {
        match find(&chunk_name(name, count)) {
            Some(chunk) => value.push_str(chunk),
            None => break,
        }
        count += 1;
    }
    Some((value, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_name() {
        let sealer = Sealer::new(b"secret one");
        let sealed = sealer.seal(SESSION_COOKIE, b"alice");
        assert_eq!(
            sealer.open(SESSION_COOKIE, &sealed).as_deref(),
            Some(&b"alice"[..])
        );
        assert_eq!(
            Sealer::new(b"secret one")
                .open(SESSION_COOKIE, &sealed)
                .as_deref(),
            Some(&b"alice"[..]),
            "the same config opens it: another replica"
        );
        assert!(
            Sealer::new(b"secret two")
                .open(SESSION_COOKIE, &sealed)
                .is_none()
        );
        assert!(
            sealer.open(LOGIN_COOKIE, &sealed).is_none(),
            "a session is no login state"
        );
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            sealer
                .open(SESSION_COOKIE, std::str::from_utf8(&tampered).unwrap())
                .is_none()
        );
        assert!(sealer.open(SESSION_COOKIE, "").is_none());
        assert!(sealer.open(SESSION_COOKIE, "not base64 at all!").is_none());
    }

    #[test]
    fn a_large_cookie_is_chunked_and_reassembled() {
        let cookies = Cookies { secure: true };
        let value = "x".repeat(CHUNK * 2 + 10);
        let set = cookies.set(SESSION_COOKIE, "/", &value, 60, 5);
        assert_eq!(set.len(), 5, "three chunks and two stale ones cleared");
        let first = set[0].to_str().unwrap();
        assert!(first.starts_with("__Host-flux-web-session=x"));
        assert!(first.ends_with("; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"));
        assert!(
            set[4]
                .to_str()
                .unwrap()
                .starts_with("__Host-flux-web-session.4=; Path=/; Max-Age=0")
        );
        let mut headers = HeaderMap::new();
        let jar = set[..3]
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {jar}")).unwrap(),
        );
        assert_eq!(
            cookies.read(&headers, SESSION_COOKIE, "/"),
            Some((value, 3))
        );
        assert_eq!(
            read(&headers, SESSION_COOKIE),
            None,
            "a cookie without the prefix is not ours when secure"
        );
        let insecure = Cookies { secure: false }.set(LOGIN_COOKIE, "/oauth2/", "v", 600, 0);
        assert!(
            insecure[0]
                .to_str()
                .unwrap()
                .starts_with("flux-web-login=v")
        );
        assert!(!insecure[0].to_str().unwrap().contains("Secure"));
        let secure = cookies.set(LOGIN_COOKIE, "/oauth2/", "v", 600, 0);
        assert!(
            secure[0]
                .to_str()
                .unwrap()
                .starts_with("__Secure-flux-web-login=v")
        );
    }
}
