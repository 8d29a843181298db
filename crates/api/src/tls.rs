//! One TLS crypto provider for the process: ring, which kube's client already uses. reqwest
//! (identity provider, artifact storage) is built without a provider of its own and takes
//! this one.

use std::sync::Once;

pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
