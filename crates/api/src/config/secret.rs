//! The configuration kept in a Secret (`--config-secret <namespace>/<name>`, key
//! `config.yaml`), so that a change applies without a restart: the server watches the Secret
//! and swaps in each valid new version; an invalid one is logged and the last good kept.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::Secret;

use super::{Config, ConfigError};

/// The key of the Secret that holds the configuration document.
pub const KEY: &str = "config.yaml";

/// `<namespace>/<name>` of the Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub namespace: String,
    pub name: String,
}

impl FromStr for SecretRef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (namespace, name) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not <namespace>/<name>"))?;
        for part in [namespace, name] {
            flux_web_shared::names::check_object_name(part)
                .map_err(|e| format!("{text:?}: {e}"))?;
        }
        Ok(Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl SecretRef {
    /// The configuration a version of the Secret holds, checked like a file.
    pub fn config(&self, secret: &Secret) -> Result<Config, ConfigError> {
        let at = format!("Secret {self}, key {KEY}");
        let bytes = secret
            .data
            .as_ref()
            .and_then(|data| data.get(KEY))
            .ok_or_else(|| ConfigError::Syntax {
                path: at.clone(),
                message: "missing".to_owned(),
            })?;
        let text = std::str::from_utf8(&bytes.0).map_err(|e| ConfigError::Syntax {
            path: at.clone(),
            message: format!("not UTF-8: {e}"),
        })?;
        Config::from_yaml(text).map_err(|e| match e {
            ConfigError::Syntax { message, .. } => ConfigError::Syntax { path: at, message },
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::ByteString;

    use super::*;

    fn secret(key: &str, text: &str) -> Secret {
        Secret {
            data: Some(BTreeMap::from([(
                key.to_owned(),
                ByteString(text.as_bytes().to_vec()),
            )])),
            ..Secret::default()
        }
    }

    #[test]
    fn a_reference_is_a_namespace_and_a_name() {
        let at: SecretRef = "flux-web/flux-web-config"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(at.to_string(), "flux-web/flux-web-config");
        for bad in ["flux-web", "a/b/c", "/x", "x/", "A/b"] {
            assert!(bad.parse::<SecretRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_config_is_read_from_its_key_and_checked() {
        let at = SecretRef {
            namespace: "ns".into(),
            name: "cfg".into(),
        };
        let good = "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Config\nspec: {}\n";
        assert!(at.config(&secret(KEY, good)).is_ok());
        let missing = at.config(&secret("other", good)).unwrap_err().to_string();
        assert!(
            missing.contains("Secret ns/cfg, key config.yaml"),
            "{missing}"
        );
        let broken = at.config(&secret(KEY, "spec: [")).unwrap_err().to_string();
        assert!(
            broken.starts_with("Secret ns/cfg, key config.yaml"),
            "{broken}"
        );
        let invalid = "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Config\nspec: {nope: 1}\n";
        assert!(at.config(&secret(KEY, invalid)).is_err());
    }
}
