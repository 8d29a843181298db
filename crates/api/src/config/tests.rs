use super::*;
use flux_web_shared::actions::Verb;

fn error_of(yaml: &str) -> String {
    match Config::from_yaml(yaml) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e.to_string(),
    }
}

const HEADER: &str = "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Config\n";

#[test]
fn a_flux_operator_oidc_config_loads_unchanged_with_defaults_filled_in() {
    let yaml = format!(
        "{HEADER}spec:
  baseURL: https://flux.example.com
  authentication:
    type: OAuth2
    oauth2:
      provider: OIDC
      issuerURL: https://dex.example.com
      clientID: flux-web
      clientSecret: s3cret
      variables:
        - name: domain
          expression: \"claims.email.split('@')[1]\"
      validations:
        - expression: \"variables.domain == 'example.com'\"
          message: only example.com
      impersonation:
        username: claims.email
        groups: claims.groups
  userActions:
    audit: [\"*\"]
"
    );
    let config = Config::from_yaml(&yaml).unwrap();
    let Authentication::OAuth2(oauth2) = &config.authentication else {
        panic!("expected OAuth2, got {:?}", config.authentication);
    };
    assert_eq!(oauth2.issuer_url.as_str(), "https://dex.example.com/");
    assert_eq!(oauth2.scopes, DEFAULT_SCOPES.map(String::from).to_vec());
    assert_eq!(oauth2.session_duration, Duration::from_secs(168 * 3600));
    assert_eq!(oauth2.claims.variables[0].0, "domain");
    assert_eq!(oauth2.claims.validations[0].1, "only example.com");
    assert_eq!(
        oauth2.claims.impersonation_groups.as_deref(),
        Some("claims.groups")
    );
    assert_eq!(config.user_actions.access, Access::Impersonated);
    assert!(config.user_actions.audits(Verb::Reconcile));
    assert_eq!(config.download.max_size, 512 << 20);
    assert!(!config.download.allow_loopback);
}

#[test]
fn our_additions_are_read() {
    let yaml = format!(
        "{HEADER}spec:
  authentication:
    type: Anonymous
    anonymous: {{username: dev, groups: [devs]}}
  userActions: {{audit: [reconcile, suspend], access: FineGrained, auditDenied: true,
    bulk: {{concurrency: 4, maxTargets: 50}}}}
  download: {{maxSize: 1Gi, allowLoopback: true, timeout: 2m}}
  notificationController:
    address: http://notification-controller.flux-system.svc.cluster.local./
  kubernetes: {{timeout: 5s, clusterName: ' prod-eu-1 '}}
"
    );
    let config = Config::from_yaml(&yaml).unwrap();
    assert_eq!(
        config.authentication,
        Authentication::Anonymous {
            username: "dev".into(),
            groups: vec!["devs".into()]
        }
    );
    assert!(config.user_actions.audits(Verb::Suspend));
    assert!(!config.user_actions.audits(Verb::Resume));
    assert_eq!(config.user_actions.access, Access::FineGrained);
    assert!(config.user_actions.audit_denied);
    assert_eq!(
        (
            config.user_actions.bulk.concurrency,
            config.user_actions.bulk.max_targets
        ),
        (4, 50)
    );
    assert_eq!(config.download.max_size, 1 << 30);
    assert!(config.download.allow_loopback);
    assert_eq!(config.download.timeout, std::time::Duration::from_secs(120));
    assert!(config.notification_controller.is_some());
    assert_eq!(config.kubernetes_timeout, std::time::Duration::from_secs(5));
    assert_eq!(config.cluster_name.as_deref(), Some("prod-eu-1"));
    let defaults = Config::from_yaml(HEADER).unwrap();
    assert_eq!(
        defaults.download.timeout,
        std::time::Duration::from_secs(600)
    );
    assert_eq!(
        defaults.kubernetes_timeout,
        std::time::Duration::from_secs(15)
    );
    assert_eq!(defaults.cluster_name, None);
    for name in ["''", "' '", &"x".repeat(64)] {
        let yaml = format!("{HEADER}spec:\n  kubernetes: {{clusterName: {name}}}\n");
        let refused = Config::from_yaml(&yaml).unwrap_err().to_string();
        assert!(
            refused.contains(".spec.kubernetes.clusterName"),
            "{refused}"
        );
    }
    assert_eq!(defaults.user_actions.bulk.concurrency, 8);
    assert_eq!(defaults.user_actions.bulk.max_targets, 500);
}

#[test]
fn no_authentication_means_read_only() {
    let config = Config::from_yaml(HEADER).unwrap();
    assert_eq!(config.authentication, Authentication::None);
    assert!(!config.user_actions.audits(Verb::Reconcile));
}

#[test]
fn unknown_fields_are_refused_with_their_path() {
    let cases = [
        ("spec:\n  foo: 1\n", ".spec.foo"),
        (
            "spec:\n  authentication:\n    type: Anonymous\n    anonymus: {}\n",
            ".spec.authentication.anonymus",
        ),
        (
            "spec:\n  userActions:\n    audits: []\n",
            ".spec.userActions.audits",
        ),
        ("metadata: {}\n", ".metadata"),
    ];
    for (spec, path) in cases {
        let message = error_of(&format!("{HEADER}{spec}"));
        assert!(
            message.starts_with(&format!("{path}: unknown field")),
            "{path}: {message}"
        );
    }
}

#[test]
fn validation_errors_name_every_field_at_fault() {
    let cases = [
        (
            "apiVersion: v1\nkind: Config\n",
            vec![".apiVersion: must be web.fluxcd.controlplane.io/v1"],
        ),
        (
            "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Settings\n",
            vec![".kind: must be Config"],
        ),
        (
            &format!(
                "{HEADER}spec:\n  authentication: {{type: OAuth2, oauth2: {{provider: OIDC}}}}\n"
            ),
            vec![
                ".spec.baseURL: required with OAuth2",
                ".spec.authentication.oauth2.issuerURL: required",
                ".spec.authentication.oauth2.clientID: required",
                ".spec.authentication.oauth2.sessionKey: required when clientSecret is empty",
            ],
        ),
        (
            &format!(
                "{HEADER}spec:\n  baseURL: https://f.io\n  authentication: {{type: OAuth2, oauth2: {{provider: OIDC, issuerURL: https://i.io, clientID: c, sessionKey: short, validations: [{{expression: 'claims.email ==', message: m}}]}}}}\n"
            ),
            vec![
                ".spec.authentication.oauth2.sessionKey: at least 32 characters",
                ".spec.authentication.oauth2.validations[0].expression: invalid CEL",
            ],
        ),
        (
            &format!(
                "{HEADER}spec:\n  authentication: {{type: Anonymous, anonymous: {{groups: [a]}}}}\n"
            ),
            vec![".spec.authentication.anonymous.username: required"],
        ),
        (
            &format!(
                "{HEADER}spec:\n  authentication: {{type: Anonymous, anonymous: {{username: \"a\\u0000b\", groups: [ok, \"x\\ny\"]}}}}\n"
            ),
            vec![
                ".spec.authentication.anonymous.username: holds a control character",
                ".spec.authentication.anonymous.groups[1]: holds a control character",
            ],
        ),
        (
            &format!("{HEADER}spec:\n  authentication: {{type: Anonymous}}\n"),
            vec![".spec.authentication.anonymous: required when type is Anonymous"],
        ),
        (
            &format!(
                "{HEADER}spec:\n  authentication: {{type: Anonymous, sessionDuration: 7d, anonymous: {{username: u}}}}\n"
            ),
            vec![".spec.authentication.sessionDuration: invalid duration \"7d\""],
        ),
        (
            &format!("{HEADER}spec:\n  userActions: {{audit: [reconcile, nuke]}}\n"),
            vec![".spec.userActions.audit[1]: unknown action \"nuke\""],
        ),
        (
            &format!(
                "{HEADER}spec:\n  userActions: {{bulk: {{concurrency: 0, maxTargets: 20000}}}}\n"
            ),
            vec![
                ".spec.userActions.bulk.concurrency: a number from 1 to 64",
                ".spec.userActions.bulk.maxTargets: a number from 1 to 10000",
            ],
        ),
        (
            &format!("{HEADER}spec:\n  download: {{maxSize: lots}}\n"),
            vec![".spec.download.maxSize: \"lots\" is not a size"],
        ),
        (
            &format!(
                "{HEADER}spec:\n  download: {{timeout: 0s}}\n  kubernetes: {{timeout: soon}}\n"
            ),
            vec![
                ".spec.download.timeout: must be positive",
                ".spec.kubernetes.timeout: invalid duration \"soon\"",
            ],
        ),
        (
            &format!(
                "{HEADER}spec:\n  baseURL: ftp://x\n  notificationController: {{address: nc}}\n"
            ),
            vec![
                ".spec.baseURL: \"ftp://x\" must be an http or https URL",
                ".spec.notificationController.address: \"nc\" is not a URL",
            ],
        ), // A base URL's path goes into the page and the cookies: plain segments only.
        (
            &format!("{HEADER}spec:\n  baseURL: https://f.io/flux?x=1\n"),
            vec![".spec.baseURL: \"https://f.io/flux?x=1\" must be a URL whose path has only"],
        ),
        (
            &format!("{HEADER}spec:\n  baseURL: 'https://f.io/a\"b/'\n"),
            vec![".spec.baseURL: \"https://f.io/a%22b/\" must be a URL whose path"],
        ),
        (
            &format!("{HEADER}spec:\n  baseURL: https://f.io/flux#top\n"),
            vec!["must be a URL whose path has only"],
        ),
    ];
    for (yaml, expected) in cases {
        let message = error_of(yaml);
        for line in &expected {
            assert!(message.contains(line), "want {line:?} in:\n{message}");
        }
        assert_eq!(message.lines().count(), expected.len() + 1, "{message}");
    }
}

#[test]
fn wrong_types_and_enum_values_name_the_field() {
    let cases = [
        ("spec:\n  insecure: maybe\n", ".spec.insecure"),
        (
            "spec:\n  authentication: {type: Basic}\n",
            ".spec.authentication.type",
        ),
        (
            "spec:\n  userActions: {access: Everyone}\n",
            ".spec.userActions.access",
        ),
    ];
    for (spec, path) in cases {
        let message = error_of(&format!("{HEADER}{spec}"));
        assert!(
            message.starts_with(&format!("{path}: ")),
            "{path}: {message}"
        );
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let message = Config::load(Path::new("/nonexistent/flux-web.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("cannot read config file /nonexistent/flux-web.yaml:"),
        "{message}"
    );
}

/// A config document with the keys people write, and their values, shuffled into YAML.
fn config_yaml() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    let key = proptest::prop_oneof![
        "authentication|type|anonymous|username|groups|userActions|access|audit|auditDenied|kubernetes|timeout|download|allowLoopback|oidc|issuer|clientID|claims",
        "[a-zA-Z]{1,12}",
    ];
    let value = proptest::prop_oneof![
        "Anonymous|OAuth2|FineGrained|Impersonated|true|false|1s|30m|-5m|1e9|\\[\\]|\\{\\}|'x'|~",
        "\\PC{0,40}",
    ];
    proptest::collection::vec((0usize..4, key, value), 0..12).prop_map(|lines| {
        let body: String = lines
            .into_iter()
            .map(|(depth, key, value)| format!("{}{key}: {value}\n", "  ".repeat(depth + 1)))
            .collect();
        format!("{HEADER}spec:\n{body}")
    })
}

proptest::proptest! {
    /// Any document: a config, or an error naming where, in bounded text; never a panic.
    #[test]
    fn any_config_document_loads_or_says_what_is_wrong(yaml in config_yaml()) {
        if let Err(e) = Config::from_yaml(&yaml) {
            let text = e.to_string();
            proptest::prop_assert!(!text.is_empty());
            proptest::prop_assert!(text.chars().count() < 2_000, "{}", text);
        }
    }

    #[test]
    fn any_text_as_a_config_is_refused_clearly(text in "\\PC{0,200}") {
        if let Err(e) = Config::from_yaml(&text) {
            proptest::prop_assert!(!e.to_string().is_empty());
        }
    }
}
