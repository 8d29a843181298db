//! A HelmRelease's releases from its status: helm-controller's snapshots newest first, each
//! with what it changed from the one before it in words, and where the current attempt
//! stands. Pure: the status in, the answer out.

use flux_web_shared::release::{Release, ReleaseSnapshot, TestHook};
use serde_json::Value;

/// What `status` (a HelmRelease's) says of its releases.
pub fn release(status: &Value) -> Release {
    let mut history: Vec<ReleaseSnapshot> = status["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(snapshot)
        .collect();
    // helm-controller keeps them newest first; the version says so whatever the order.
    history.sort_by_key(|s| std::cmp::Reverse(s.version));
    let changes: Vec<Vec<String>> = history
        .iter()
        .enumerate()
        .map(|(at, newer)| changes(newer, history.get(at + 1)))
        .collect();
    for (snapshot, changes) in history.iter_mut().zip(changes) {
        snapshot.changes = changes;
    }
    let attempted = text(&status["lastAttemptedConfigDigest"]);
    let values_changed = history
        .first()
        .filter(|newest| !newest.config_digest.is_empty() && !attempted.is_empty())
        .map(|newest| newest.config_digest != attempted);
    let count = |key: &str| status[key].as_i64().unwrap_or(0);
    Release {
        history,
        last_attempted_action: text(&status["lastAttemptedReleaseAction"]),
        last_attempted_revision: text(&status["lastAttemptedRevision"]),
        values_changed,
        failures: count("failures"),
        install_failures: count("installFailures"),
        upgrade_failures: count("upgradeFailures"),
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn snapshot(value: &Value) -> ReleaseSnapshot {
    let mut tests: Vec<TestHook> = value["testHooks"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, hook)| TestHook {
            name: name.clone(),
            phase: text(&hook["phase"]),
            last_started: text(&hook["lastStarted"]),
            last_completed: text(&hook["lastCompleted"]),
        })
        .collect();
    tests.sort_by(|a, b| a.name.cmp(&b.name));
    ReleaseSnapshot {
        version: value["version"].as_i64().unwrap_or(0),
        status: text(&value["status"]),
        action: text(&value["action"]),
        chart_name: text(&value["chartName"]),
        chart_version: text(&value["chartVersion"]),
        app_version: text(&value["appVersion"]),
        config_digest: text(&value["configDigest"]),
        digest: text(&value["digest"]),
        oci_digest: text(&value["ociDigest"]),
        first_deployed: text(&value["firstDeployed"]),
        last_deployed: text(&value["lastDeployed"]),
        deleted: text(&value["deleted"]),
        tests,
        changes: Vec::new(),
    }
}

/// What `newer` changed from `older` (none: it is the oldest kept), in words.
fn changes(newer: &ReleaseSnapshot, older: Option<&ReleaseSnapshot>) -> Vec<String> {
    let mut said = Vec::new();
    match older {
        None => said.push(format!(
            "{} {}{}",
            newer.chart_name,
            newer.chart_version,
            app(&newer.app_version)
        )),
        Some(older) => {
            if older.chart_name != newer.chart_name {
                said.push(format!("chart {} → {}", older.chart_name, newer.chart_name));
            }
            if older.chart_version != newer.chart_version {
                said.push(format!(
                    "chart {} → {}",
                    older.chart_version, newer.chart_version
                ));
            }
            if older.app_version != newer.app_version && !newer.app_version.is_empty() {
                said.push(format!(
                    "app {} → {}",
                    or_none(&older.app_version),
                    newer.app_version
                ));
            }
            said.push(
                match older.config_digest == newer.config_digest {
                    true => "values unchanged",
                    false => "values changed",
                }
                .to_owned(),
            );
        }
    }
    said.push(tests(&newer.tests));
    said
}

fn app(version: &str) -> String {
    match version {
        "" => String::new(),
        version => format!(" (app {version})"),
    }
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "none" } else { text }
}

/// The tests of a release in words: not run, running, passed, or which failed.
fn tests(hooks: &[TestHook]) -> String {
    if hooks.is_empty() {
        return "tests not run".to_owned();
    }
    let failed: Vec<&str> = hooks
        .iter()
        .filter(|h| h.phase == "Failed")
        .map(|h| h.name.as_str())
        .collect();
    if !failed.is_empty() {
        return format!("tests failed: {}", failed.join(", "));
    }
    match hooks.iter().all(|h| h.phase == "Succeeded") {
        true => format!("tests passed ({})", hooks.len()),
        false => "tests not finished".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snap(
        version: i64,
        action: &str,
        status: &str,
        chart: &str,
        values: &str,
        tests: Value,
    ) -> Value {
        json!({
            "version": version, "action": action, "status": status, "name": "podinfo",
            "namespace": "apps", "chartName": "podinfo", "chartVersion": chart,
            "appVersion": format!("app-{chart}"), "configDigest": values,
            "digest": format!("sha256:{version}"), "firstDeployed": "2026-12-01T10:00:00Z",
            "lastDeployed": format!("2026-12-0{version}T10:00:00Z"), "testHooks": tests,
        })
    }

    /// Install; an upgrade bumping the chart, tests passed; one changing values; a failed
    /// upgrade whose test failed, remediated; the rollback.
    #[test]
    fn five_releases_say_what_each_changed_newest_first() {
        let passed = json!({"podinfo-test": {"phase": "Succeeded", "lastStarted": "2026-12-02T10:00:01Z", "lastCompleted": "2026-12-02T10:00:09Z"}});
        let failed = json!({"podinfo-test": {"phase": "Failed"}, "smoke": {"phase": "Succeeded"}});
        let status = json!({
            "history": [
                snap(5, "rollback", "deployed", "1.3.0", "sha256:b", json!(null)),
                snap(4, "upgrade", "failed", "1.4.0", "sha256:c", failed),
                snap(3, "upgrade", "superseded", "1.3.0", "sha256:b", passed.clone()),
                snap(2, "upgrade", "superseded", "1.3.0", "sha256:a", passed),
                snap(1, "install", "superseded", "1.2.0", "sha256:a", json!(null)),
            ],
            "lastAttemptedReleaseAction": "upgrade", "lastAttemptedRevision": "1.4.0",
            "lastAttemptedConfigDigest": "sha256:c", "failures": 2, "upgradeFailures": 1,
        });
        let release = release(&status);
        let said: Vec<(i64, &str, Vec<String>)> = release
            .history
            .iter()
            .map(|s| (s.version, s.action.as_str(), s.changes.clone()))
            .collect();
        let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            said,
            vec![
                (
                    5,
                    "rollback",
                    words(&[
                        "chart 1.4.0 → 1.3.0",
                        "app app-1.4.0 → app-1.3.0",
                        "values changed",
                        "tests not run"
                    ])
                ),
                (
                    4,
                    "upgrade",
                    words(&[
                        "chart 1.3.0 → 1.4.0",
                        "app app-1.3.0 → app-1.4.0",
                        "values changed",
                        "tests failed: podinfo-test"
                    ])
                ),
                (3, "upgrade", words(&["values changed", "tests passed (1)"])),
                (
                    2,
                    "upgrade",
                    words(&[
                        "chart 1.2.0 → 1.3.0",
                        "app app-1.2.0 → app-1.3.0",
                        "values unchanged",
                        "tests passed (1)"
                    ])
                ),
                (
                    1,
                    "install",
                    words(&["podinfo 1.2.0 (app app-1.2.0)", "tests not run"])
                ),
            ]
        );
        let tested = &release.history[3].tests[0];
        assert_eq!(
            (
                tested.name.as_str(),
                tested.phase.as_str(),
                tested.last_completed.as_str()
            ),
            ("podinfo-test", "Succeeded", "2026-12-02T10:00:09Z")
        );
        assert_eq!(release.history[1].tests.len(), 2);
        assert_eq!(
            (
                release.last_attempted_action.as_str(),
                release.last_attempted_revision.as_str()
            ),
            ("upgrade", "1.4.0")
        );
        assert_eq!(
            (
                release.failures,
                release.install_failures,
                release.upgrade_failures
            ),
            (2, 0, 1)
        );
        // The last attempt's values are the failed upgrade's, not the deployed rollback's.
        assert_eq!(release.values_changed, Some(true));
    }

    #[test]
    fn an_unreleased_helm_release_has_no_history_and_no_values_verdict() {
        let release = release(&json!({"lastAttemptedConfigDigest": "sha256:a"}));
        assert!(release.history.is_empty());
        assert_eq!(release.values_changed, None);
        assert_eq!(release.failures, 0);
    }
}
