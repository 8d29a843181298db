//! The overview's "Recent actions": who did what to which object, and when, named by what
//! was touched (a workload's action is recorded on the Flux object that manages it).

use crate::components::link::A;
use flux_web_shared::events::EventPage;
use leptos::prelude::*;

use crate::api::{Address, ApiError};
use crate::format::ago;

/// Who did what to which object, and when: the newest `WebAction` Events.
#[component]
pub fn Actions(answer: Result<EventPage, ApiError>) -> impl IntoView {
    let page = match answer {
        Ok(page) => page,
        Err(e) => {
            return view! { <p class="hint">{format!("The audit trail could not be read: {}", e.detail())}</p> }
                .into_any();
        }
    };
    if page.events.is_empty() {
        return view! { <p class="hint">"No action was taken through flux-web yet, or none you may see."</p> }
            .into_any();
    }
    view! {
        <ul class="recent">
            {page.events.into_iter().map(|e| {
                let who = e.entry.who.clone().unwrap_or_else(|| "someone".to_owned());
                let touched = acted_on(e.entry.subject.as_deref());
                let verb = match (e.entry.action.as_deref(), touched) {
                    // The audit trail says `restart`, the RBAC verb a run needs on a CronJob.
                    (Some("restart"), Some(("CronJob", ..))) => done("run-job"),
                    (Some(action), _) => done(action),
                    (None, _) => e.reason.clone(),
                };
                // A workload's action is recorded on its Flux object: named by what it touched.
                let (kind, href, name) = match touched {
                    Some((kind, namespace, name)) => (
                        kind.to_owned(),
                        Address::from_parts(group_of(kind), kind, namespace, name).href(),
                        format!("{namespace}/{name}"),
                    ),
                    None => (
                        e.object.kind.clone(),
                        Address::of(&e.object).href(),
                        format!("{}/{}", e.object.namespace, e.object.name),
                    ),
                };
                view! {
                    <li>
                        <strong>{who}</strong>" "{verb}" "
                        <span class="kind">{kind}</span>" "
                        <A href=href>{name}</A>
                        " "<time datetime=e.entry.time.clone()>{ago(Some(e.entry.time.clone()))}</time>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// An action's verb as done: "reconciled", "ran a Job from".
fn done(action: &str) -> String {
    match action {
        "run-job" => "ran a Job from".to_owned(),
        "pull" => "pulled".to_owned(),
        "restart" => "restarted".to_owned(),
        "download" => "downloaded".to_owned(),
        verb if verb.ends_with('e') => format!("{verb}d"),
        verb => format!("{verb}ed"),
    }
}

/// The workload an audit entry names as its subject (`Kind/namespace/name`) beside the Flux
/// object it is recorded on, as kind, namespace and name.
fn acted_on(subject: Option<&str>) -> Option<(&str, &str, &str)> {
    let mut parts = subject?.splitn(3, '/');
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// The API group of a workload kind an audit message names; the core group for a Pod.
fn group_of(kind: &str) -> &'static str {
    match kind {
        "CronJob" | "Job" => "batch",
        "Pod" => "core",
        _ => "apps",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_entry_names_the_workload_acted_on_and_its_verb_reads_as_done() {
        let pod = Some("Pod/demo-apps/web-1");
        assert_eq!(acted_on(pod), Some(("Pod", "demo-apps", "web-1")));
        let ks = None;
        assert_eq!(acted_on(ks), None);
        for (verb, words) in [
            ("reconcile", "reconciled"),
            ("suspend", "suspended"),
            ("resume", "resumed"),
            ("delete", "deleted"),
            ("run-job", "ran a Job from"),
            ("restart", "restarted"),
            ("pull", "pulled"),
        ] {
            assert_eq!(done(verb), words);
        }
    }
}
