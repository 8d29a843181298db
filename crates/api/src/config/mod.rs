//! The server's configuration: read from YAML (spec section 2), checked once at start-up, and
//! handed around as settings that are known to be valid.
//!
//! - [`file`] — the document as written, shape only.
//! - [`quantity`] — byte sizes such as `512Mi`.
//! - [`secret`] — the configuration kept in a Secret, for changes without a restart.

pub mod file;
mod quantity;
pub mod secret;

use flux_web_shared::actions::Verb;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use url::Url;

use crate::identity::claims::{Mapping, Rules};

pub use file::Access;
use file::{AuthenticationType, ConfigFile};

const API_VERSION: &str = "web.fluxcd.controlplane.io/v1";
const KIND: &str = "Config";
/// A sealing key shorter than this is guessable.
const MIN_SESSION_KEY: usize = 32;
const DEFAULT_SESSION_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);
const DEFAULT_MAX_DOWNLOAD: u64 = 512 << 20;
/// A whole download, however slowly storage trickles it.
const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Every call to the Kubernetes API; a frozen API server is a 504 after this.
const DEFAULT_KUBERNETES_TIMEOUT: Duration = crate::cluster::DEFAULT_TIMEOUT;
/// The longest cluster name the header shows.
const MAX_CLUSTER_NAME: usize = 63;
const DEFAULT_SCOPES: [&str; 5] = ["openid", "offline_access", "profile", "email", "groups"];

/// The verbs whose actions are audited (`userActions.audit`, spec 4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audited {
    /// `*`: every action.
    All,
    These(Vec<Verb>),
}

/// The path of `base` without its final slash: `""` for none or `/`.
pub fn prefix_of(base: Option<&Url>) -> String {
    base.map_or("", |url| url.path().trim_end_matches('/'))
        .to_owned()
}

/// Validated settings of the whole server.
#[derive(Debug, Clone)]
pub struct Config {
    pub base_url: Option<Url>,
    /// Cookies without `Secure`, for local development over plain HTTP.
    pub insecure: bool,
    pub authentication: Authentication,
    pub user_actions: UserActions,
    pub download: DownloadPolicy,
    pub notification_controller: Option<Url>,
    /// The deadline of every call to the Kubernetes API.
    pub kubernetes_timeout: Duration,
    /// The cluster's name to show; without it, the kubeconfig's.
    pub cluster_name: Option<String>,
    pub resumer: Resumer,
    pub limits: Limits,
}

/// How much one holder (a user, or an address without a login) and everyone together may
/// hold open at once (`spec.limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub streams: Cap,
    pub log_follows: Cap,
    pub bulk_runs: Cap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub per_user: usize,
    pub total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // A page holds one stream: a dozen tabs, with room to spare.
            streams: Cap {
                per_user: 16,
                total: 1000,
            },
            // A follow holds a stream of the API server per container (of up to 20 Pods).
            log_follows: Cap {
                per_user: 8,
                total: 64,
            },
            bulk_runs: Cap {
                per_user: 2,
                total: 16,
            },
        }
    }
}

/// The resumer's settings: the Lease that elects it, how often it looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumer {
    pub lease_namespace: String,
    pub period: Duration,
    pub lease_duration: Duration,
}

impl Default for Resumer {
    fn default() -> Self {
        Self {
            lease_namespace: "flux-web".to_owned(),
            period: Duration::from_secs(10),
            lease_duration: Duration::from_secs(15),
        }
    }
}

/// Who the caller is taken to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Authentication {
    /// No authentication configured: the product is read-only.
    None,
    /// Every request acts as this fixed identity.
    Anonymous {
        username: String,
        groups: Vec<String>,
    },
    OAuth2(Box<OAuth2>),
}

/// OIDC login settings; the CEL expressions are compiled by the auth module.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuth2 {
    pub issuer_url: Url,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// From claims to identity: CEL, compiled (and so checked) when the config loads.
    pub claims: Rules,
    pub session_duration: Duration,
    /// Seals the session cookie; `None`: derived from the client secret.
    pub session_key: Option<String>,
}

impl OAuth2 {
    /// What sealed things (the session cookie, pre-flight tokens) are sealed with: any
    /// replica with the same config opens them.
    pub fn sealing_secret(&self) -> &str {
        self.session_key.as_deref().unwrap_or(&self.client_secret)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActions {
    /// Verbs whose successful actions become audit events.
    pub audit: Audited,
    pub access: Access,
    /// Also record denied and failed attempts as Warning events (our addition).
    pub audit_denied: bool,
    pub bulk: Bulk,
    /// The longest a suspension may be given to last (`until`).
    pub max_suspension: Duration,
}

/// Thirty days: a freeze or a maintenance hold, not a way to forget an object.
pub const DEFAULT_MAX_SUSPENSION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The limits of one bulk action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bulk {
    /// Targets acted on at once.
    pub concurrency: usize,
    /// Targets one action takes; more is a 400.
    pub max_targets: usize,
}

impl Default for Bulk {
    fn default() -> Self {
        Self {
            concurrency: 8,
            max_targets: 500,
        }
    }
}

impl Default for UserActions {
    fn default() -> Self {
        Self {
            audit: Audited::These(Vec::new()),
            access: Access::default(),
            audit_denied: false,
            bulk: Bulk::default(),
            max_suspension: DEFAULT_MAX_SUSPENSION,
        }
    }
}

impl UserActions {
    pub fn audits(&self, verb: Verb) -> bool {
        match &self.audit {
            Audited::All => true,
            Audited::These(verbs) => verbs.contains(&verb),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadPolicy {
    pub max_size: u64,
    /// Lets artifact URLs point at loopback addresses; only tests need it.
    pub allow_loopback: bool,
    /// The longest a whole download may take.
    pub timeout: Duration,
}

impl Default for Config {
    /// What the server runs with when no config is given: read-only.
    fn default() -> Self {
        Self {
            base_url: None,
            insecure: false,
            authentication: Authentication::None,
            user_actions: UserActions::default(),
            download: DownloadPolicy {
                max_size: DEFAULT_MAX_DOWNLOAD,
                allow_loopback: false,
                timeout: DEFAULT_DOWNLOAD_TIMEOUT,
            },
            notification_controller: None,
            kubernetes_timeout: DEFAULT_KUBERNETES_TIMEOUT,
            cluster_name: None,
            resumer: Resumer::default(),
            limits: Limits::default(),
        }
    }
}

/// A config that could not be used. Each message names the field at fault by its path in the
/// document, as `.spec.authentication.type`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("invalid config:\n{}", list(.0))]
    Invalid(Vec<FieldError>),
}

/// One rule a field breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Config {
    /// The path flux-web is served under, from `baseURL`: `""` at the root, else `/flux`
    /// (no final slash), which every route, cookie and link of the UI is under.
    pub fn prefix(&self) -> String {
        prefix_of(self.base_url.as_ref())
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml(&text)
    }

    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        // Parsed to a value first: errors of the shape then carry our path, not the parser's.
        let value: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|e| ConfigError::Syntax {
                path: ".".to_owned(),
                message: e.to_string(),
            })?;
        let file: ConfigFile = serde_path_to_error::deserialize(value).map_err(shape_error)?;
        Self::from_file(file).map_err(ConfigError::Invalid)
    }

    fn from_file(file: ConfigFile) -> Result<Self, Vec<FieldError>> {
        let mut errors = Checker::default();
        if file.api_version != API_VERSION {
            errors.add(".apiVersion", format!("must be {API_VERSION}"));
        }
        if file.kind != KIND {
            errors.add(".kind", format!("must be {KIND}"));
        }
        let spec = file.spec;
        let base_url = spec
            .base_url
            .as_deref()
            .and_then(|u| errors.http_url(".spec.baseURL", u))
            .and_then(|u| errors.base_url(u));
        let authentication = match spec.authentication {
            None => Authentication::None,
            Some(auth) => authentication(auth, base_url.is_some(), &mut errors),
        };
        let user_actions = spec
            .user_actions
            .map(|ua| {
                let mut verbs = Vec::new();
                for (i, verb) in ua.audit.iter().enumerate() {
                    match Verb::auditable(verb) {
                        Some(known) => verbs.push(known),
                        None if verb == "*" => {}
                        None => {
                            let known: Vec<_> =
                                Verb::AUDITABLE.iter().map(|v| v.as_str()).collect();
                            errors.add(
                                format!(".spec.userActions.audit[{i}]"),
                                format!(
                                    "unknown action {verb:?}; use \"*\" or any of {}",
                                    known.join(", ")
                                ),
                            );
                        }
                    }
                }
                let audit = match ua.audit.iter().any(|v| v == "*") {
                    true => Audited::All,
                    false => Audited::These(verbs),
                };
                let defaults = Bulk::default();
                let bulk = ua.bulk.map_or(defaults, |b| Bulk {
                    concurrency: errors.count(
                        ".spec.userActions.bulk.concurrency",
                        b.concurrency,
                        defaults.concurrency,
                        64,
                    ),
                    max_targets: errors.count(
                        ".spec.userActions.bulk.maxTargets",
                        b.max_targets,
                        defaults.max_targets,
                        10_000,
                    ),
                });
                UserActions {
                    audit,
                    access: ua.access.unwrap_or_default(),
                    audit_denied: ua.audit_denied,
                    bulk,
                    max_suspension: errors.duration(
                        ".spec.userActions.maxSuspension",
                        ua.max_suspension,
                        DEFAULT_MAX_SUSPENSION,
                    ),
                }
            })
            .unwrap_or_default();
        let mut download = Config::default().download;
        if let Some(d) = spec.download {
            download.allow_loopback = d.allow_loopback;
            if let Some(size) = d.max_size {
                match quantity::parse_bytes(&size) {
                    Some(bytes) => download.max_size = bytes,
                    None => errors.add(
                        ".spec.download.maxSize",
                        format!("{size:?} is not a size in bytes such as 512Mi or 1Gi"),
                    ),
                }
            }
            download.timeout = errors.duration(
                ".spec.download.timeout",
                d.timeout,
                DEFAULT_DOWNLOAD_TIMEOUT,
            );
        }
        let (timeout, cluster_name) = spec
            .kubernetes
            .map_or((None, None), |k| (k.timeout, k.cluster_name));
        let kubernetes_timeout = errors.duration(
            ".spec.kubernetes.timeout",
            timeout,
            DEFAULT_KUBERNETES_TIMEOUT,
        );
        let cluster_name = cluster_name.map(|name| name.trim().to_owned());
        if let Some(name) = &cluster_name
            && (name.is_empty() || name.chars().count() > MAX_CLUSTER_NAME)
        {
            errors.add(
                ".spec.kubernetes.clusterName",
                format!("{name:?}: 1 to {MAX_CLUSTER_NAME} characters"),
            );
        }
        let notification_controller = spec
            .notification_controller
            .and_then(|nc| errors.http_url(".spec.notificationController.address", &nc.address));
        let defaults = Resumer::default();
        let resumer = spec.resumer.map_or_else(Resumer::default, |r| {
            let lease_namespace = r.lease_namespace.unwrap_or(defaults.lease_namespace);
            if let Err(e) = flux_web_shared::names::check_object_name(&lease_namespace) {
                errors.add(".spec.resumer.leaseNamespace", e.to_string());
            }
            Resumer {
                lease_namespace,
                period: errors.duration(".spec.resumer.period", r.period, defaults.period),
                lease_duration: errors.duration(
                    ".spec.resumer.leaseDuration",
                    r.lease_duration,
                    defaults.lease_duration,
                ),
            }
        });
        let defaults = Limits::default();
        let limits = spec.limits.map_or(defaults, |l| {
            let mut cap = |name: &str, given: Option<file::Cap>, default: Cap| {
                let Some(given) = given else { return default };
                let path = format!(".spec.limits.{name}");
                let per_user = errors.count(
                    &format!("{path}.perUser"),
                    given.per_user,
                    default.per_user,
                    100_000,
                );
                let total = errors.count(
                    &format!("{path}.total"),
                    given.total,
                    default.total,
                    100_000,
                );
                if per_user > total {
                    errors.add(format!("{path}.perUser"), "more than the total");
                }
                Cap { per_user, total }
            };
            Limits {
                streams: cap("streams", l.streams, defaults.streams),
                log_follows: cap("logFollows", l.log_follows, defaults.log_follows),
                bulk_runs: cap("bulkRuns", l.bulk_runs, defaults.bulk_runs),
            }
        });
        errors.finish(Config {
            limits,
            resumer,
            base_url,
            insecure: spec.insecure,
            authentication,
            user_actions,
            download,
            notification_controller,
            kubernetes_timeout,
            cluster_name,
        })
    }
}

fn authentication(
    auth: file::Authentication,
    has_base_url: bool,
    errors: &mut Checker,
) -> Authentication {
    let session_duration = errors.duration(
        ".spec.authentication.sessionDuration",
        auth.session_duration,
        DEFAULT_SESSION_DURATION,
    );
    match auth.kind {
        AuthenticationType::Anonymous => {
            let Some(anonymous) = auth.anonymous else {
                errors.add(
                    ".spec.authentication.anonymous",
                    "required when type is Anonymous",
                );
                return Authentication::None;
            };
            if anonymous.username.trim().is_empty() {
                errors.add(
                    ".spec.authentication.anonymous.username",
                    "required: Kubernetes refuses to impersonate groups without a user",
                );
            }
            let names = std::iter::once(("username".to_owned(), &anonymous.username)).chain(
                (anonymous.groups.iter().enumerate()).map(|(i, g)| (format!("groups[{i}]"), g)),
            );
            for (field, name) in names {
                if name.chars().any(char::is_control) {
                    errors.add(
                        format!(".spec.authentication.anonymous.{field}"),
                        "holds a control character, which Kubernetes cannot impersonate",
                    );
                }
            }
            Authentication::Anonymous {
                username: anonymous.username,
                groups: anonymous.groups,
            }
        }
        AuthenticationType::OAuth2 => {
            if !has_base_url {
                errors.add(
                    ".spec.baseURL",
                    "required with OAuth2: the login callback URL is built from it",
                );
            }
            let Some(oauth2) = auth.oauth2 else {
                errors.add(
                    ".spec.authentication.oauth2",
                    "required when type is OAuth2",
                );
                return Authentication::None;
            };
            let issuer_url = match oauth2.issuer_url.as_deref() {
                Some(u) => errors.http_url(".spec.authentication.oauth2.issuerURL", u),
                None => {
                    errors.add(".spec.authentication.oauth2.issuerURL", "required");
                    None
                }
            };
            if oauth2.client_id.is_empty() {
                errors.add(".spec.authentication.oauth2.clientID", "required");
            }
            match oauth2.session_key.as_deref() {
                Some(key) if key.len() < MIN_SESSION_KEY => errors.add(
                    ".spec.authentication.oauth2.sessionKey",
                    format!("at least {MIN_SESSION_KEY} characters"),
                ),
                None if oauth2.client_secret.is_empty() => errors.add(
                    ".spec.authentication.oauth2.sessionKey",
                    "required when clientSecret is empty: the session cookie is sealed with it",
                ),
                _ => {}
            }
            let Some(issuer_url) = issuer_url else {
                return Authentication::None;
            };
            let oauth2 = OAuth2 {
                issuer_url,
                client_id: oauth2.client_id,
                client_secret: oauth2.client_secret,
                scopes: oauth2
                    .scopes
                    .unwrap_or_else(|| DEFAULT_SCOPES.map(String::from).to_vec()),
                claims: Rules {
                    variables: oauth2
                        .variables
                        .into_iter()
                        .map(|v| (v.name, v.expression))
                        .collect(),
                    validations: oauth2
                        .validations
                        .into_iter()
                        .map(|v| (v.expression, v.message))
                        .collect(),
                    profile_name: oauth2.profile.and_then(|p| p.name),
                    impersonation_username: oauth2
                        .impersonation
                        .as_ref()
                        .and_then(|i| i.username.clone()),
                    impersonation_groups: oauth2.impersonation.and_then(|i| i.groups),
                    allow_system_identities: oauth2.allow_system_identities,
                },
                session_duration,
                session_key: oauth2.session_key,
            };
            // The CEL rules are compiled here too, so a typo stops the server at start-up
            // with its path instead of refusing every login.
            if let Err(invalid) = Mapping::compile(&oauth2.claims) {
                for (path, message) in invalid {
                    errors.add(path, message);
                }
            }
            Authentication::OAuth2(Box::new(oauth2))
        }
    }
}

/// Collects every broken rule so that one run of the server reports them all.
#[derive(Default)]
struct Checker(Vec<FieldError>);

impl Checker {
    /// A positive Go duration, or `default` without one.
    fn duration(&mut self, path: &str, text: Option<String>, default: Duration) -> Duration {
        let Some(text) = text else { return default };
        match flux_web_shared::duration::parse(&text) {
            Ok(d) if !d.is_zero() => d,
            Ok(_) => {
                self.add(path, "must be positive");
                default
            }
            Err(e) => {
                self.add(path, e.to_string());
                default
            }
        }
    }

    /// A number from 1 to `max`, or `default` without one.
    fn count(&mut self, path: &str, value: Option<u32>, default: usize, max: usize) -> usize {
        let Some(value) = value else { return default };
        match usize::try_from(value) {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                self.add(path, format!("a number from 1 to {max}"));
                default
            }
        }
    }

    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn http_url(&mut self, path: &str, text: &str) -> Option<Url> {
        match Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(url)
            }
            Ok(_) => {
                self.add(path, format!("{text:?} must be an http or https URL"));
                None
            }
            Err(e) => {
                self.add(path, format!("{text:?} is not a URL: {e}"));
                None
            }
        }
    }

    /// A base URL flux-web can be served under: a path of plain segments (it goes into the
    /// UI's `<base href>` and the cookies' `Path`), no query or fragment.
    fn base_url(&mut self, url: Url) -> Option<Url> {
        let plain = url.path().split('/').all(|segment| {
            segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        });
        match (plain, url.query(), url.fragment()) {
            (true, None, None) => Some(url),
            _ => {
                self.add(
                    ".spec.baseURL",
                    format!(
                        "{:?} must be a URL whose path has only letters, digits and -._~ between its \
                         slashes, with no query or fragment",
                        url.as_str()
                    ),
                );
                None
            }
        }
    }

    fn finish(self, config: Config) -> Result<Config, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(config)
        } else {
            Err(self.0)
        }
    }
}

/// Names the field at fault by its path, as `.spec.userActions.access`.
fn shape_error(error: serde_path_to_error::Error<serde_yaml_ng::Error>) -> ConfigError {
    let path = error.path().to_string();
    ConfigError::Syntax {
        path: if path == "." {
            path
        } else {
            format!(".{path}")
        },
        message: error.into_inner().to_string(),
    }
}

#[cfg(test)]
mod tests;
