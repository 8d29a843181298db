//! The object's timeline: the controller's work and people's actions, newest first, with
//! filters; older pages on demand, and revisions linked to their commits when the Git host is
//! known.

use flux_web_shared::objects::ObjectDetail;
use flux_web_shared::timeline::{EntryKind, Timeline};
use leptos::prelude::*;

use crate::api::{self, Address};
use crate::format::ago;

/// The URL of the Git repository the object's revisions come from: its own (a
/// GitRepository) or its source's.
pub fn git_url(detail: &ObjectDetail) -> Option<String> {
    match &detail.source {
        Some(source) if source.kind == "GitRepository" => source.url.clone(),
        Some(_) => None,
        None if detail.target.kind == "GitRepository" => {
            detail.spec["url"].as_str().map(str::to_owned)
        }
        None => None,
    }
}

/// Where a Git host shows the commit of `revision` (`main@sha1:<hash>`): `<url>/commit/<hash>`,
/// as GitHub, GitLab, Gitea and Forgejo serve it; none for other revisions or non-web URLs.
fn commit_url(git: &str, revision: &str) -> Option<String> {
    let hash = revision.rsplit_once("sha1:")?.1;
    let web = git.starts_with("https://") || git.starts_with("http://");
    let hex = !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit());
    (web && hex).then(|| {
        let base = git.trim_end_matches('/').trim_end_matches(".git");
        format!("{base}/commit/{hash}")
    })
}

/// Which entries of the timeline show: kept by the page, so that a live update of the
/// timeline keeps the filter chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    All,
    People,
    Controller,
    Failures,
}

impl Show {
    fn keeps(self, kind: EntryKind) -> bool {
        match self {
            Show::All => true,
            Show::People => matches!(kind, EntryKind::Action | EntryKind::Refusal),
            Show::Controller => matches!(kind, EntryKind::Reconcile | EntryKind::Warning),
            Show::Failures => matches!(kind, EntryKind::Refusal | EntryKind::Warning),
        }
    }
}

#[component]
pub fn TimelineView(
    first: Timeline,
    object: Address,
    git: Option<String>,
    show: RwSignal<Show>,
) -> impl IntoView {
    if first.entries.is_empty() {
        return view! { <p class="notice">"Nothing recorded yet."</p> }.into_any();
    }
    let entries = RwSignal::new(first.entries);
    let next = RwSignal::new(first.next);
    let loading = RwSignal::new(false);
    let older = move |_| {
        let Some(before) = next.get_untracked() else {
            return;
        };
        let object = object.clone();
        loading.set(true);
        leptos::task::spawn_local(async move {
            match api::timeline(&object, Some(&before)).await {
                Ok(page) => {
                    entries.update(|e| e.extend(page.entries));
                    next.set(page.next);
                }
                Err(e) => crate::components::toast::toasts().failed(e.detail()),
            }
            loading.set(false);
        });
    };
    let filters = [
        (Show::All, "All"),
        (Show::People, "People"),
        (Show::Controller, "Controller"),
        (Show::Failures, "Failures"),
    ]
    .map(|(which, label)| {
        view! {
            <button type="button" class="filter" aria-pressed=move || (show.get() == which).to_string()
                on:click=move |_| show.set(which)>{label}</button>
        }
    });
    let rows = move || {
        entries
            .get()
            .into_iter()
            .filter(|e| show.get().keeps(e.kind))
            .map(|e| {
                let (word, class) = match e.kind {
                    EntryKind::Reconcile => ("reconcile", ""),
                    EntryKind::Action => ("action", "person"),
                    EntryKind::Refusal => ("refused", "warning"),
                    EntryKind::Warning => ("warning", "warning"),
                };
                let who = match (&e.who, &e.action) {
                    (Some(who), Some(action)) => format!("{who}: {action}"),
                    (Some(who), None) => who.clone(),
                    _ => String::new(),
                };
                let revision = e.revision.clone().map(|revision| {
                    match git.as_deref().and_then(|g| commit_url(g, &revision)) {
                        Some(href) => {
                            view! { <a href=href rel="noreferrer" target="_blank">{revision}</a> }
                                .into_any()
                        }
                        None => revision.into_any(),
                    }
                });
                view! {
                    <tr class=class>
                        <td><time datetime=e.time.clone()>{ago(Some(e.time.clone()))}</time></td>
                        <td>{word}</td><td>{who}</td><td class="message">{e.message.clone()}</td>
                        <td class="mono">{revision}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="filters" role="group" aria-label="Show">{filters}</div>
        <div class="table-scroll"><table>
            <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th><th scope="col">"Message"</th><th scope="col">"Revision"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
        {move || next.get().is_some().then(|| view! {
            <div class="pager">
                <button type="button" disabled=move || loading.get() on:click=older.clone()>"Older"</button>
            </div>
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::commit_url;

    #[test]
    fn a_git_revision_links_to_its_commit_on_a_web_host_only() {
        assert_eq!(
            commit_url("https://github.com/org/app.git", "main@sha1:0a1b2c").as_deref(),
            Some("https://github.com/org/app/commit/0a1b2c")
        );
        assert_eq!(
            commit_url("https://git.example.com/org/app/", "v1.2.0@sha1:ff").as_deref(),
            Some("https://git.example.com/org/app/commit/ff")
        );
        assert_eq!(
            commit_url("ssh://git@github.com/org/app", "main@sha1:0a1b"),
            None
        );
        assert_eq!(
            commit_url("https://github.com/org/app", "latest@sha256:0a1b"),
            None
        );
        assert_eq!(
            commit_url("https://github.com/org/app", "main@sha1:<script>"),
            None
        );
    }
}
