//! What every request shares: the configuration, the Kubernetes adapter, access reviews,
//! the audit trail, the watches, the login, the clock; built once at start-up. Handlers
//! extract it with `State`; the router ([`crate::http`]) hands it to them.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::access::Access;
use crate::audit::Auditor;
use crate::audit::journal::Journal;
use crate::auth::Auth;
use crate::auth::session::{Sealer, random};
use crate::bulk::Bulk;
use crate::clock::{Clock, Ids};
use crate::cluster::Cluster;
use crate::config::{Authentication, Config};
use crate::context::{Context, Services};
use crate::health::Readiness;
use crate::limits::Gates;
use crate::ui::Assets;
use crate::watch;

/// What handlers may extract with `State`.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub readiness: Readiness,
    pub config: Arc<Config>,
    pub cluster: Cluster,
    pub access: Access,
    pub audit: Arc<Auditor>,
    pub clock: Arc<dyn Clock>,
    pub watches: watch::Hub,
    pub auth: Arc<Auth>,
    /// Seals the tokens of bulk pre-flights.
    pub preflight: Arc<Sealer>,
    /// Names bulk runs.
    pub ids: Arc<dyn Ids>,
    /// Where the SPA's files come from.
    pub ui: Assets,
    /// `/metrics` is served on a port of its own (`--metrics-listen`), not the main one.
    pub metrics_elsewhere: bool,
    /// Names this replica in audit Events.
    instance: Arc<str>,
    /// Whether a replica resumes suspensions at their end, as the resumer last saw.
    pub resumer: crate::resumer::Status,
    /// The bulk runs in flight, which shutdown waits for.
    pub runs: crate::bulk::runs::Runs,
    /// The streams, follows and runs each holder holds, against the configured limits.
    pub gates: Gates,
    /// Where audit Events wait for Kubernetes, when the server has one.
    pub journal: Option<Journal>,
}

impl AppState {
    /// Everything the server shares between requests, built once at start-up.
    pub fn new(
        config: Config,
        cluster: Cluster,
        readiness: Readiness,
        (clock, ids): (Arc<dyn Clock>, Arc<dyn Ids>),
        instance: String,
    ) -> Self {
        let watches = watch::Hub::new(cluster.clone().with_timeout(config.kubernetes_timeout));
        Self::assemble(
            config,
            cluster,
            readiness,
            (clock, ids),
            Arc::from(instance),
            watches,
            None,
        )
    }

    /// The same server with an audit journal: its audit Events are answered `pending` and
    /// written off the request path.
    pub fn with_journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self.reload((*self.config).clone())
    }

    /// The same server with a new configuration (a changed config Secret): what depends on
    /// the configuration is built anew; the connection, the watches, readiness and the UI
    /// carry over. Sessions stay valid while the key that sealed them does.
    pub fn reload(&self, config: Config) -> Self {
        let gates = self.gates.with_limits(config.limits);
        Self {
            gates,
            ui: self.ui.clone(),
            metrics_elsewhere: self.metrics_elsewhere,
            resumer: self.resumer.clone(),
            runs: self.runs.clone(),
            ..Self::assemble(
                config,
                self.cluster.clone(),
                self.readiness.clone(),
                (self.clock.clone(), self.ids.clone()),
                self.instance.clone(),
                self.watches.clone(),
                self.journal.clone(),
            )
        }
    }

    fn assemble(
        config: Config,
        cluster: Cluster,
        readiness: Readiness,
        (clock, ids): (Arc<dyn Clock>, Arc<dyn Ids>),
        instance: Arc<str>,
        watches: watch::Hub,
        journal: Option<Journal>,
    ) -> Self {
        crate::tls::init();
        let limits = config.limits;
        let cluster = cluster.with_timeout(config.kubernetes_timeout);
        let access = Access::new(cluster.clone(), config.user_actions.access);
        let audit = Auditor::new(
            cluster.clone(),
            config.user_actions.clone(),
            config.notification_controller.clone(),
            (instance.to_string(), ids.clone()),
            journal.clone(),
        );
        let auth = Arc::new(Auth::new(
            &config.authentication,
            config.base_url.as_ref(),
            config.insecure,
            clock.clone(),
        ));
        // OIDC: the session's key, so that another replica opens the token; otherwise a key
        // of this process (Anonymous mode is one developer's server).
        let secret = match &config.authentication {
            Authentication::OAuth2(oauth2) => oauth2.sealing_secret().to_owned(),
            _ => random(32),
        };
        Self {
            readiness,
            config: Arc::new(config),
            cluster,
            access,
            audit: Arc::new(audit),
            clock,
            watches,
            auth,
            preflight: Arc::new(Sealer::new(secret.as_bytes())),
            ids,
            ui: Assets::None,
            metrics_elsewhere: false,
            instance,
            resumer: crate::resumer::Status::default(),
            runs: crate::bulk::runs::Runs::default(),
            gates: Gates::new(limits),
            journal,
        }
    }

    /// This replica's name, as audit Events give it.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn context(&self) -> Context<'_> {
        Services::context(self)
    }
}

impl Services for AppState {
    fn context(&self) -> Context<'_> {
        Context {
            cluster: &self.cluster,
            download: &self.config.download,
            access: &self.access,
            audit: &self.audit,
            watches: &self.watches,
            clock: self.clock.as_ref(),
            run: None,
            max_suspension: self.config.user_actions.max_suspension,
        }
    }
}

/// What bulk actions take of the server's state.
impl FromRef<AppState> for Bulk {
    fn from_ref(state: &AppState) -> Self {
        Bulk {
            services: Arc::new(state.clone()),
            limits: state.config.user_actions.bulk,
            sealer: state.preflight.clone(),
            ids: state.ids.clone(),
            runs: state.runs.clone(),
        }
    }
}
