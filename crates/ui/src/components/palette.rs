//! The command palette: Ctrl+K (Cmd+K) or the header's button opens it, typing narrows the
//! named commands of the page in view, arrows pick one, Enter runs it. A page offers its
//! commands through [`Commands`] while it is shown.

use leptos::prelude::*;

use super::dialog::Dialog;

/// A named command, as the palette lists it.
#[derive(Clone)]
pub struct Command {
    pub label: String,
    pub run: Callback<()>,
}

/// The commands of the page in view; given to every component by context.
#[derive(Clone, Copy)]
pub struct Commands(RwSignal<Vec<Command>>);

impl Commands {
    pub fn new() -> Self {
        Self(RwSignal::new(Vec::new()))
    }

    /// Offers what `commands` answers, kept up to date, until the calling page goes away.
    pub fn offer(commands: impl Fn() -> Vec<Command> + Send + Sync + 'static) {
        let Some(Commands(list)) = use_context::<Commands>() else {
            return;
        };
        Effect::new(move |_| list.set(commands()));
        on_cleanup(move || list.set(Vec::new()));
    }
}

/// Whether every word of `query` is in `label`, in any case: "rec fail" finds "Reconcile all
/// failed in view".
pub fn fits(label: &str, query: &str) -> bool {
    let label = label.to_lowercase();
    query
        .to_lowercase()
        .split_whitespace()
        .all(|word| label.contains(word))
}

#[component]
pub fn Palette() -> impl IntoView {
    let Commands(commands) = use_context::<Commands>().unwrap_or_else(Commands::new);
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let show = move || {
        query.set(String::new());
        active.set(0);
        open.set(true);
    };
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k") {
            ev.prevent_default();
            show();
        }
    });
    on_cleanup(move || handle.remove());
    // Every page offers the way to the others, after its own commands.
    let navigate = leptos_router::hooks::use_navigate();
    let pages: Vec<Command> = [
        ("Go to the overview", "/"),
        ("Go to the resources", "/resources"),
        ("Go to the events", "/events"),
    ]
    .into_iter()
    .map(|(label, to)| {
        let navigate = navigate.clone();
        Command {
            label: label.to_owned(),
            run: Callback::new(move |()| navigate(to, Default::default())),
        }
    })
    .collect();
    let pages = StoredValue::new(pages);
    let found = move || {
        let query = query.get();
        commands.with(|all| {
            pages.with_value(|pages| {
                all.iter()
                    .chain(pages)
                    .filter(|c| fits(&c.label, &query))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    };
    let choose = move |index: usize| {
        if let Some(command) = found().get(index) {
            open.set(false);
            command.run.run(());
        }
    };
    let keys = move |ev: leptos::ev::KeyboardEvent| {
        let count = found().len().max(1);
        match ev.key().as_str() {
            "ArrowDown" => active.update(|a| *a = (*a + 1) % count),
            "ArrowUp" => active.update(|a| *a = (*a + count - 1) % count),
            "Enter" => choose(active.get_untracked()),
            _ => return,
        }
        ev.prevent_default();
    };
    view! {
        <button type="button" class="palette-open" aria-keyshortcuts="Control+K Meta+K" on:click=move |_| show()>
            "Commands" <kbd>"Ctrl K"</kbd>
        </button>
        <Dialog open=open on_close=Callback::new(move |()| open.set(false)) title="Commands".to_owned()>
            <input type="text" class="palette-input" role="combobox" aria-label="Command"
                aria-expanded="true" aria-controls="palette-list" aria-autocomplete="list"
                aria-activedescendant=move || (!found().is_empty()).then(|| format!("palette-{}", active.get()))
                placeholder="Type to find a command" autocomplete="off"
                prop:value=move || query.get()
                on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); }
                on:keydown=keys/>
            <ul id="palette-list" class="palette-list" role="listbox" aria-label="Commands">
                {move || found().into_iter().enumerate().map(|(index, command)| view! {
                    <li id=format!("palette-{index}") role="option"
                        aria-selected=move || (active.get() == index).to_string()
                        on:click=move |_| choose(index)>
                        {command.label}
                    </li>
                }).collect_view()}
            </ul>
            {move || found().is_empty().then(|| view! {
                <p class="palette-empty">"No command matches."</p>
            })}
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_typed_must_be_in_the_label_in_any_case() {
        let label = "Reconcile all failed in view";
        assert!(fits(label, ""));
        assert!(fits(label, "rec FAIL"));
        assert!(fits(label, "  view  "));
        assert!(!fits(label, "resume"));
        assert!(!fits(label, "rec suspended"));
    }
}
