//! The Spec tab: the object's spec and status as YAML, keys set apart from values, with a
//! button that copies it whole; the same block shows a HelmRelease's values.

use leptos::prelude::*;

use crate::components::copy_as::copy_to_clipboard;

#[component]
pub fn Manifest(
    yaml: Signal<String>,
    /// The section's id, and its title.
    #[prop(default = "spec")]
    id: &'static str,
    #[prop(default = "Spec and status")] title: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let text = yaml.get_untracked();
        leptos::task::spawn_local(async move {
            let _ = copied.try_set(copy_to_clipboard(&text).await);
        });
    };
    view! {
        <section aria-labelledby=format!("{id}-title")>
            <div class="section-head">
                <h2 id=format!("{id}-title")>{title}</h2>
                <button type="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy YAML" }}</button>
            </div>
            <pre class="spec yaml" tabindex="0" role="region" aria-label=format!("{title} as YAML")>
                {move || yaml.with(|text| text.lines().map(line).collect_view())}
            </pre>
        </section>
    }
}

/// One line of YAML with its key (after the indent and any `- `) marked.
fn line(text: &str) -> impl IntoView + use<> {
    let (key, rest) = split(text);
    view! { <span class="y-line">{key.map(|(lead, key)| view! { {lead}<span class="y-key">{key}</span> })}{rest}"\n"</span> }
}

/// `("  - ", "name")` and the rest (`": web"`) of a line whose first word is a key.
fn split(text: &str) -> (Option<(String, String)>, String) {
    let body = text.trim_start_matches([' ', '-']);
    let lead = &text[..text.len() - body.len()];
    match body.find(':') {
        Some(at)
            if at > 0
                && !body.starts_with(['"', '\''])
                && !body[..at].contains(' ')
                && body[at + 1..].chars().next().is_none_or(|c| c == ' ') =>
        {
            (
                Some((lead.to_owned(), body[..at].to_owned())),
                body[at..].to_owned(),
            )
        }
        _ => (None, text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_told_from_its_value_and_from_text_with_a_colon() {
        let key = |lead: &str, key: &str, rest: &str| {
            (Some((lead.to_owned(), key.to_owned())), rest.to_owned())
        };
        assert_eq!(split("spec:"), key("", "spec", ":"));
        assert_eq!(split("  interval: 10m"), key("  ", "interval", ": 10m"));
        assert_eq!(split("  - name: web"), key("  - ", "name", ": web"));
        assert_eq!(
            split("  - https://example"),
            (None, "  - https://example".to_owned())
        );
        assert_eq!(split("  message: a: b"), key("  ", "message", ": a: b"));
        assert_eq!(split("  - 'a: b'"), (None, "  - 'a: b'".to_owned()));
        assert_eq!(split(""), (None, String::new()));
    }
}
