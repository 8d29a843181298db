//! Table tests of `plan`: every kind × action × state × access mode, without a cluster.

use std::time::Duration;

use kube_core::DynamicObject;
use serde_json::{Value, json};

use super::*;
use crate::kinds::{KINDS, find};
use crate::until::Until;
use flux_web_shared::actions::Verb;
use flux_web_shared::problem::Code;

const NOW: &str = "2026-12-01T10:00:00Z";

fn input() -> Input<'static> {
    Input {
        now: NOW,
        by: "Ada",
        user: "ada@example.com",
        reason: Some("INC-1"),
        ..Input::default()
    }
}

/// An object of `kind` named `web` in `apps`, suspended or not, with a source, an artifact,
/// an inventory and a job template so that every action has what it could need.
fn view(kind: &'static Kind, suspended: bool) -> View {
    let mut annotations = json!({});
    if let crate::kinds::Suspend::Annotation(key) = kind.suspend {
        annotations[key] = json!(if suspended { "disabled" } else { "enabled" });
    }
    let object: DynamicObject = serde_json::from_value(json!({
        "metadata": {"name": "web", "namespace": "apps", "uid": "u-1", "annotations": annotations},
        "spec": {
            "suspend": suspended,
            "sourceRef": {"kind": "GitRepository", "name": "repo"},
            "chartRef": {"kind": "OCIRepository", "name": "chart"},
            "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}},
        },
        "status": {
            "artifact": {"url": "http://source-controller.flux-system.svc/a.tar.gz", "digest": "sha256:ab", "revision": "r"},
            "inventory": [{"name": "out", "namespace": "apps"}],
        },
    }))
    .unwrap();
    View::parse(kind, &object)
}

fn kind(group: &str, name: &str) -> &'static Kind {
    find(group, name).unwrap()
}

/// The views a pull reads: every source of `target`, running.
fn sources(target: &View) -> Vec<View> {
    target
        .sources
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|s| view(s.kind, false))
        .collect()
}

fn planned(
    kind: &'static Kind,
    action: Action,
    suspended: bool,
    mode: Mode,
) -> Result<Plan, Refusal> {
    let target = view(kind, suspended);
    let mut input = input();
    if kind.artifacts == Artifacts::Inventory {
        input.artifact = Some("out");
    }
    plan(action, &target, &sources(&target), &input, mode)
}

fn checks(plan: &Plan) -> Vec<String> {
    plan.checks
        .iter()
        .map(|c| format!("{} {}/{}/{}", c.verb, c.on.plural(), c.namespace, c.name))
        .collect()
}

#[test]
fn every_kind_refuses_the_actions_it_does_not_take_and_plans_the_others() {
    for kind in &KINDS {
        for action in Action::ALL {
            for suspended in [false, true] {
                for mode in [Mode::Impersonated, Mode::FineGrained] {
                    let case = format!("{} {action} suspended={suspended} {mode:?}", kind.kind);
                    let result = planned(kind, action, suspended, mode);
                    if !kind.takes(action) {
                        let refusal = result.unwrap_err();
                        assert_eq!(
                            (refusal.why, refusal.code),
                            (Why::Input, Code::NotApplicable),
                            "{case}"
                        );
                        continue;
                    }
                    let Ok(plan) = result else { continue };
                    // The action's own verb is checked first, on the target or its sources.
                    assert_eq!(plan.checks[0].verb, action.verb(), "{case}");
                    // Every write is made with a permit for what it writes.
                    for write in &plan.writes {
                        let check = &plan.checks[write.permit];
                        match &write.op {
                            Op::MergePatch { object, .. }
                            | Op::Apply { object, .. }
                            | Op::Delete { object, .. } => {
                                assert_eq!(
                                    (check.on, &check.namespace, &check.name),
                                    (On::Kind(object.kind), &object.namespace, &object.name),
                                    "{case}"
                                );
                            }
                            Op::CreateJob { namespace, .. } => {
                                assert_eq!(
                                    (check.verb, check.on, &check.namespace),
                                    (Verb::Create, On::Jobs, namespace),
                                    "{case}"
                                )
                            }
                        }
                    }
                    // Impersonated writes need the native verb; FineGrained ones never ask for it.
                    let patches = plan.checks.iter().filter(|c| c.verb == Verb::Patch).count();
                    let patched = plan
                        .writes
                        .iter()
                        .filter(|w| matches!(w.op, Op::MergePatch { .. } | Op::Apply { .. }))
                        .count();
                    // A plan that changes nothing asks what the change would need.
                    let would_patch = patched.max(usize::from(plan.unchanged.is_some()));
                    match mode {
                        Mode::Impersonated => assert_eq!(patches, would_patch, "{case}"),
                        Mode::FineGrained => assert_eq!(patches, 0, "{case}"),
                    }
                    assert_eq!(
                        plan.writer,
                        if mode == Mode::FineGrained {
                            Writer::Server
                        } else {
                            Writer::User
                        },
                        "{case}"
                    );
                    // Each write leaves an audit Event; a download, which writes nothing, one;
                    // a plan that changes nothing, none.
                    let audits = match plan.unchanged {
                        Some(_) => 0,
                        None => plan.writes.len().max(1),
                    };
                    assert_eq!(plan.audits.len(), audits, "{case}");
                }
            }
        }
    }
}

#[test]
fn suspension_decides_which_of_reconcile_pull_suspend_and_resume_may_run() {
    // (case, action, suspended, refused with, unchanged with)
    let cases = [
        (
            "reconcile of a running object",
            Action::Reconcile,
            false,
            None,
            None,
        ),
        (
            "reconcile of a suspended object",
            Action::Reconcile,
            true,
            Some(Code::Suspended),
            None,
        ),
        ("pull of a running object", Action::Pull, false, None, None),
        (
            "pull of a suspended object",
            Action::Pull,
            true,
            Some(Code::Suspended),
            None,
        ),
        (
            "suspend of a running object",
            Action::Suspend,
            false,
            None,
            None,
        ),
        (
            "suspend of a suspended object",
            Action::Suspend,
            true,
            None,
            Some(Code::Suspended),
        ),
        (
            "resume of a suspended object",
            Action::Resume,
            true,
            None,
            None,
        ),
        (
            "resume of a running object",
            Action::Resume,
            false,
            None,
            Some(Code::NotSuspended),
        ),
    ];
    let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
    for (name, action, suspended, refused, unchanged) in cases {
        let got = planned(ks, action, suspended, Mode::Impersonated);
        assert_eq!(got.as_ref().err().map(|r| r.code), refused, "{name}");
        if let Ok(plan) = got {
            assert_eq!(plan.unchanged, unchanged, "{name}");
            // Nothing to do writes nothing and leaves no Event, but asks what doing it would.
            if unchanged.is_some() {
                assert!(plan.writes.is_empty() && plan.audits.is_empty(), "{name}");
                assert_eq!(
                    checks(&plan),
                    [
                        format!("{} kustomizations/apps/web", action.verb()),
                        "patch kustomizations/apps/web".to_owned()
                    ],
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn reconcile_patches_requested_at_checks_patch_when_impersonating_and_waits_for_the_object() {
    let hr = kind("helm.toolkit.fluxcd.io", "hr");
    let plan = planned(hr, Action::Reconcile, false, Mode::Impersonated).unwrap();
    assert_eq!(
        checks(&plan),
        [
            "reconcile helmreleases/apps/web",
            "patch helmreleases/apps/web"
        ]
    );
    assert_eq!(
        plan.writes,
        [Write {
            permit: 0,
            op: Op::MergePatch {
                object: ObjectRef::new(hr, "apps", "web"),
                patch: json!({"metadata": {"annotations": {
                    patch::REQUESTED_AT: NOW, patch::FORCE_AT: NOW}}}),
            }
        }]
    );
    assert_eq!(plan.requested_at.as_deref(), Some(NOW));
    assert_eq!(plan.wait_for, [ObjectRef::new(hr, "apps", "web")]);
    assert_eq!(
        plan.audits,
        [Audit {
            verb: Verb::Reconcile,
            on: AuditOn::Object(ObjectRef::new(hr, "apps", "web"))
        }]
    );
    assert_eq!(plan.message, "HelmRelease/apps/web asked to reconcile");
    let fine = planned(hr, Action::Reconcile, false, Mode::FineGrained).unwrap();
    assert_eq!(checks(&fine), ["reconcile helmreleases/apps/web"]);
}

#[test]
fn suspend_records_who_and_why_and_does_not_wait() {
    let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
    let plan = planned(ks, Action::Suspend, false, Mode::FineGrained).unwrap();
    let Op::MergePatch { patch, .. } = &plan.writes[0].op else {
        panic!("{:?}", plan.writes)
    };
    assert_eq!(patch["metadata"]["annotations"][patch::SUSPENDED_BY], "Ada");
    assert_eq!(
        patch["metadata"]["annotations"][patch::SUSPENDED_REASON],
        "INC-1"
    );
    assert_eq!(patch["spec"]["suspend"], true);
    assert!(plan.wait_for.is_empty() && plan.requested_at.is_none());
}

/// The patch of a plan's first write.
fn first_patch(plan: &Plan) -> &Value {
    let Op::MergePatch { patch, .. } = &plan.writes[0].op else {
        panic!("{:?}", plan.writes)
    };
    patch
}

fn end(text: &str) -> End {
    until::resolve(text, NOW.parse().unwrap(), Duration::from_secs(30 * 86400)).unwrap()
}

fn at(end: &End) -> &Until {
    match end {
        End::At(until) => until,
        End::Never => panic!("an end was meant"),
    }
}

#[test]
fn a_suspend_until_writes_its_end_a_later_one_extends_it_and_resume_clears_it() {
    let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
    let (two, four) = (end("2h"), end("4h"));
    let mut input = input();
    input.until = Some(&two);
    let suspend = plan(
        Action::Suspend,
        &view(ks, false),
        &[],
        &input,
        Mode::FineGrained,
    )
    .unwrap();
    let patch = first_patch(&suspend);
    assert_eq!(
        patch["metadata"]["annotations"][patch::SUSPENDED_UNTIL],
        "2026-12-01T12:00:00Z"
    );
    assert_eq!(
        patch["metadata"]["annotations"][patch::SUSPENDED_UNTIL_BY],
        "ada@example.com"
    );
    assert_eq!(
        patch["metadata"]["labels"][patch::EXPIRES_LABEL],
        at(&two).seconds.to_string()
    );
    assert!(
        suspend
            .message
            .ends_with("suspended until 2026-12-01T12:00:00Z"),
        "{}",
        suspend.message
    );
    // The server will resume it then: an end needs `resume` as well as `suspend`.
    assert_eq!(
        checks(&suspend),
        [
            "suspend kustomizations/apps/web",
            "resume kustomizations/apps/web"
        ]
    );
    assert_eq!(
        suspend.suspension,
        Some(Suspension {
            by: Some("Ada".into()),
            by_user: Some("ada@example.com".into()),
            reason: Some("INC-1".into()),
            until: Some("2026-12-01T12:00:00Z".into()),
        })
    );

    // Suspended until 12:00: 14:00 extends it and changes nothing else; 12:00 again does not.
    let mut suspended = view(ks, true);
    suspended.suspended_until = Some(at(&two).rfc3339.clone());
    input.until = Some(&four);
    let extended = plan(Action::Suspend, &suspended, &[], &input, Mode::FineGrained).unwrap();
    assert_eq!(
        first_patch(&extended),
        &json!({"metadata": {
            "annotations": {patch::SUSPENDED_UNTIL: "2026-12-01T14:00:00Z",
                patch::SUSPENDED_UNTIL_BY: "ada@example.com"},
            "labels": {patch::EXPIRES_LABEL: at(&four).seconds.to_string()},
        }})
    );
    assert_eq!(
        checks(&extended),
        [
            "suspend kustomizations/apps/web",
            "resume kustomizations/apps/web"
        ]
    );
    input.until = Some(&two);
    let same = plan(Action::Suspend, &suspended, &[], &input, Mode::FineGrained).unwrap();
    assert_eq!(same.unchanged, Some(Code::Suspended));
    assert!(same.writes.is_empty());
    assert!(
        same.message.contains("a later until extends it"),
        "{}",
        same.message
    );
    assert_eq!(
        same.suspension.and_then(|s| s.until).as_deref(),
        Some("2026-12-01T12:00:00Z"),
        "what holds"
    );
    // A suspension without an end keeps it: an until does not shorten it.
    let forever = plan(
        Action::Suspend,
        &view(ks, true),
        &[],
        &input,
        Mode::FineGrained,
    )
    .unwrap();
    assert_eq!(forever.unchanged, Some(Code::Suspended));

    let resumed = plan(Action::Resume, &suspended, &[], &input, Mode::FineGrained).unwrap();
    let patch = first_patch(&resumed);
    assert_eq!(
        patch["metadata"]["annotations"][patch::SUSPENDED_UNTIL],
        Value::Null
    );
    assert_eq!(
        patch["metadata"]["labels"][patch::EXPIRES_LABEL],
        Value::Null
    );
}

/// `never` makes a timed suspension lasting without resuming it first, and needs only
/// `suspend`: it takes a resume away rather than adding one.
#[test]
fn never_takes_the_end_off_a_suspension_in_force_with_the_suspend_verb_alone() {
    let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
    let never = End::Never;
    let mut input = input();
    input.until = Some(&never);
    let mut suspended = view(ks, true);
    suspended.suspended_by = Some("Bob".into());
    suspended.suspended_until = Some("2026-12-01T12:00:00Z".into());
    let lasting = plan(Action::Suspend, &suspended, &[], &input, Mode::Impersonated).unwrap();
    assert_eq!(
        first_patch(&lasting),
        &json!({"metadata": {
            "annotations": {patch::SUSPENDED_UNTIL: null, patch::SUSPENDED_UNTIL_BY: null},
            "labels": {patch::EXPIRES_LABEL: null},
        }})
    );
    assert_eq!(
        checks(&lasting),
        [
            "suspend kustomizations/apps/web",
            "patch kustomizations/apps/web"
        ]
    );
    assert_eq!(
        lasting.message,
        "Kustomization/apps/web stays suspended by Bob, with no end now"
    );
    assert_eq!(lasting.suspension.and_then(|s| s.until), None);
    // Without an end there is nothing to take off; a running object is suspended, lasting.
    let unchanged = plan(
        Action::Suspend,
        &view(ks, true),
        &[],
        &input,
        Mode::Impersonated,
    )
    .unwrap();
    assert_eq!(unchanged.unchanged, Some(Code::Suspended));
    let fresh = plan(
        Action::Suspend,
        &view(ks, false),
        &[],
        &input,
        Mode::Impersonated,
    )
    .unwrap();
    assert_eq!(first_patch(&fresh)["spec"]["suspend"], true);
    assert_eq!(
        first_patch(&fresh)["metadata"]["labels"][patch::EXPIRES_LABEL],
        Value::Null
    );
    assert_eq!(checks(&fresh).len(), 2, "no resume asked for");
}

#[test]
fn pull_reconciles_each_source_upstream_last_and_refuses_a_suspended_one() {
    let hr = kind("helm.toolkit.fluxcd.io", "hr");
    let target = {
        let object: DynamicObject = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"chart": {"spec": {"sourceRef": {"kind": "HelmRepository", "name": "charts"}}}},
        }))
        .unwrap();
        View::parse(hr, &object)
    };
    let running = sources(&target);
    let plan = plan(
        Action::Pull,
        &target,
        &running,
        &input(),
        Mode::Impersonated,
    )
    .unwrap();
    assert_eq!(
        checks(&plan),
        [
            "reconcile helmcharts/apps/apps-web",
            "patch helmcharts/apps/apps-web",
            "reconcile helmrepositories/apps/charts",
            "patch helmrepositories/apps/charts",
        ]
    );
    assert_eq!(
        plan.writes.iter().map(|w| w.permit).collect::<Vec<_>>(),
        [0, 2]
    );
    assert_eq!(plan.wait_for.len(), 2);
    assert_eq!(
        plan.message,
        "asked HelmChart/apps/apps-web and HelmRepository/apps/charts to reconcile"
    );
    let mut suspended = running;
    suspended[1].suspended = true;
    let refusal = super::plan(
        Action::Pull,
        &target,
        &suspended,
        &input(),
        Mode::Impersonated,
    )
    .unwrap_err();
    assert_eq!(
        (refusal.why, refusal.code),
        (Why::State, Code::SourceSuspended)
    );
    let nothing = View::parse(
        hr,
        &serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap(),
    );
    let refusal =
        super::plan(Action::Pull, &nothing, &[], &input(), Mode::Impersonated).unwrap_err();
    assert_eq!(
        (refusal.why, refusal.code),
        (Why::Input, Code::NotApplicable)
    );
}

#[test]
fn a_staged_pull_suspends_for_a_preview_then_pulls_and_holds_a_suspended_one_as_it_is() {
    let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
    let running = view(ks, false);
    let no_reason = Input {
        reason: Some("  "),
        ..input()
    };
    let staged = plan(
        Action::Stage,
        &running,
        &sources(&running),
        &no_reason,
        Mode::Impersonated,
    )
    .unwrap();
    assert_eq!(
        checks(&staged),
        [
            "suspend kustomizations/apps/web",
            "patch kustomizations/apps/web",
            "reconcile gitrepositories/apps/repo",
            "patch gitrepositories/apps/repo",
        ]
    );
    assert_eq!(
        staged.writes.iter().map(|w| w.permit).collect::<Vec<_>>(),
        [0, 2]
    );
    let suspension = first_patch(&staged);
    assert_eq!(suspension["spec"]["suspend"], true);
    assert_eq!(
        staged.suspension.as_ref().and_then(|s| s.reason.as_deref()),
        Some(STAGED),
        "a blank reason says why it is suspended"
    );
    assert_eq!(
        staged.audits.iter().map(|a| a.verb).collect::<Vec<_>>(),
        [Verb::Suspend, Verb::Reconcile]
    );
    assert_eq!(staged.wait_for.len(), 1);
    assert_eq!(
        staged.message,
        "Kustomization/apps/web suspended; asked GitRepository/apps/repo to reconcile: preview the new revision, then resume to apply it"
    );

    // Already suspended (a pull would be refused): only the source is written, the
    // suspension and its reason stay as they are.
    let held = view(ks, true);
    let staged = plan(
        Action::Stage,
        &held,
        &sources(&held),
        &input(),
        Mode::FineGrained,
    )
    .unwrap();
    assert_eq!(
        checks(&staged),
        [
            "suspend kustomizations/apps/web",
            "reconcile gitrepositories/apps/repo"
        ]
    );
    assert_eq!(staged.writes.len(), 1);
    assert!(staged.unchanged.is_none());
    assert!(
        staged
            .message
            .starts_with("Kustomization/apps/web stays suspended;")
    );

    // A suspended source: refused before anything is written.
    let mut stopped = sources(&running);
    stopped[0].suspended = true;
    let refusal = plan(
        Action::Stage,
        &running,
        &stopped,
        &input(),
        Mode::Impersonated,
    )
    .unwrap_err();
    assert_eq!(
        (refusal.why, refusal.code),
        (Why::State, Code::SourceSuspended)
    );
    // Only a Kustomization's build has a preview to stage for.
    let hr = kind("helm.toolkit.fluxcd.io", "hr");
    let refusal = planned(hr, Action::Stage, false, Mode::Impersonated).unwrap_err();
    assert_eq!(refusal.code, Code::NotApplicable);
}

#[test]
fn a_download_streams_the_own_artifact_or_the_named_external_one() {
    let repo = kind("source.toolkit.fluxcd.io", "gitrepo");
    let plan = planned(repo, Action::Download, false, Mode::FineGrained).unwrap();
    assert!(matches!(plan.download, Some(Download::Own(_))));
    assert!(plan.writes.is_empty());
    assert_eq!(checks(&plan), ["download gitrepositories/apps/web"]);

    let generator = kind("source.extensions.fluxcd.io", "ag");
    let target = view(generator, false);
    let with = |artifact| Input {
        artifact,
        ..input()
    };
    let external = plan_download(&target, with(Some("out"))).unwrap();
    assert_eq!(
        external.download,
        Some(Download::External(ArtifactRef {
            name: "out".into(),
            namespace: "apps".into()
        }))
    );
    let cases = [
        (
            "not in the inventory",
            &target,
            Some("nope"),
            (Why::NoArtifact, Code::NoArtifact),
        ),
        (
            "a generator without ?artifact=",
            &target,
            None,
            (Why::Input, Code::InvalidQuery),
        ),
    ];
    for (name, target, artifact, expected) in cases {
        let refusal = plan_download(target, with(artifact)).unwrap_err();
        assert_eq!((refusal.why, refusal.code), expected, "{name}");
    }
    let source = view(repo, false);
    let refusal = plan_download(&source, with(Some("out"))).unwrap_err();
    assert_eq!(refusal.code, Code::InvalidQuery, "?artifact= on a source");
    let empty = View::parse(
        repo,
        &serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap(),
    );
    assert_eq!(
        plan_download(&empty, input()).unwrap_err().code,
        Code::NoArtifact
    );
}

fn plan_download(target: &View, input: Input<'_>) -> Result<Plan, Refusal> {
    plan(Action::Download, target, &[], &input, Mode::Impersonated)
}

#[test]
fn workload_actions_check_their_verbs_and_audit_on_the_manager() {
    let deploy = kind("apps", "deploy");
    let restart = planned(deploy, Action::Restart, false, Mode::Impersonated).unwrap();
    assert_eq!(
        checks(&restart),
        ["restart deployments/apps/web", "patch deployments/apps/web"]
    );
    assert!(matches!(&restart.writes[0].op, Op::Apply { body, .. }
        if body["spec"]["template"]["metadata"]["annotations"][patch::RESTARTED_AT] == NOW));
    assert_eq!(
        restart.audits[0].on,
        AuditOn::ManagerOf(ObjectRef::new(deploy, "apps", "web"))
    );

    let cronjob = kind("batch", "cronjobs");
    for mode in [Mode::Impersonated, Mode::FineGrained] {
        let run = planned(cronjob, Action::RunJob, false, mode).unwrap();
        assert_eq!(
            checks(&run),
            ["restart cronjobs/apps/web", "create jobs/apps/"],
            "{mode:?}: creating a Job is checked in both modes"
        );
        assert_eq!(run.writes[0].permit, 1);
    }
    let bare = View::parse(
        cronjob,
        &serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap(),
    );
    let refusal = plan(Action::RunJob, &bare, &[], &input(), Mode::Impersonated).unwrap_err();
    assert_eq!(refusal.code, Code::NoJobTemplate);

    let pod = kind("core", "pods");
    let delete = plan(
        Action::Delete,
        &view(pod, false),
        &[],
        &Input {
            grace_period_seconds: Some(0),
            ..input()
        },
        Mode::Impersonated,
    )
    .unwrap();
    assert_eq!(checks(&delete), ["delete pods/apps/web"]);
    assert!(matches!(
        delete.writes[0].op,
        Op::Delete {
            grace_period_seconds: Some(0),
            ..
        }
    ));
    assert_eq!(delete.message, "Pod apps/web deleted");
}

#[test]
fn messages_name_the_object_and_who_suspended_it() {
    let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
    let mut target = view(ks, true);
    target.suspended_by = Some("Bob".into());
    let refusal = plan(
        Action::Reconcile,
        &target,
        &[],
        &input(),
        Mode::Impersonated,
    )
    .unwrap_err();
    assert_eq!(
        refusal.message,
        "Kustomization/apps/web is suspended by Bob: resume it first"
    );
    let unchanged = plan(Action::Suspend, &target, &[], &input(), Mode::Impersonated).unwrap();
    assert_eq!(
        unchanged.message,
        "Kustomization/apps/web is already suspended by Bob"
    );
    let alert = kind("notification.toolkit.fluxcd.io", "alerts");
    let refusal = plan(
        Action::Reconcile,
        &view(alert, false),
        &[],
        &input(),
        Mode::Impersonated,
    )
    .unwrap_err();
    assert_eq!(refusal.message, "Alert does not take the action reconcile");
}

#[test]
fn a_reconcile_removes_what_another_tools_resume_left_of_the_suspension_and_only_then() {
    let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
    let annotations = |target: &View| {
        let plan = plan(Action::Reconcile, target, &[], &input(), Mode::Impersonated).unwrap();
        match &plan.writes[0].op {
            Op::MergePatch { patch, .. } => patch["metadata"]["annotations"].clone(),
            other => panic!("a reconcile merge-patches: {other:?}"),
        }
    };
    let mut target = view(ks, false);
    target.stale_suspension = true;
    let cleaned = annotations(&target);
    assert!(
        cleaned[patch::SUSPENDED_REASON].is_null() && cleaned[patch::SUSPENDED_REASON_OF].is_null()
    );
    assert!(cleaned[patch::SUSPENDED_BY].is_null());
    assert!(
        cleaned
            .as_object()
            .unwrap()
            .contains_key(patch::SUSPENDED_REASON_OF)
    );
    target.stale_suspension = false;
    let plain = annotations(&target);
    assert!(
        !plain
            .as_object()
            .unwrap()
            .contains_key(patch::SUSPENDED_REASON)
    );
}
