//! The log viewer of a workload's page: every Pod's containers merged by time, each Pod in a
//! colour of its own, each line coloured by its level with a tally of them; opens following
//! the newest line; narrowed by Pod, container, level and text; JSON laid out on request;
//! downloadable as text.

mod lines;

use flux_web_shared::logs::{LogEvent, LogLine, LogSource};
use leptos::prelude::*;
use lines::{Level, clock, pretty};
use wasm_bindgen::JsCast;

use crate::api::{self, Address, query};

/// Lines the viewer keeps while following; older ones scroll away.
const KEPT: usize = 5_000;
/// Lines asked of each container.
const TAIL: u32 = 300;
/// Colours Pods take, in turn (`log-pod-0` .. in the style sheet).
const COLOURS: usize = 6;

#[component]
pub fn LogViewer(
    /// The workload or Pod.
    object: Address,
) -> impl IntoView {
    let lines = RwSignal::new(Vec::<LogLine>::new());
    let sources = RwSignal::new(Vec::<LogSource>::new());
    let problem = RwSignal::new(None::<String>);
    let follow = RwSignal::new(true);
    let previous = RwSignal::new(false);
    let wrap = RwSignal::new(true);
    let filter = RwSignal::new(String::new());
    let (pod, container, level) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(None::<Level>),
    );
    let laid_out = RwSignal::new(false);
    let loading = RwSignal::new(true);
    let download_name = format!("{}.log", object.to_string().replace('/', "-"));

    // Reads the tail, or follows, whenever the choice changes; a stream in flight is aborted
    // when the choice changes again or the page goes away.
    Effect::new(move |running: Option<Option<web_sys::AbortController>>| {
        if let Some(Some(controller)) = running {
            controller.abort();
        }
        let (follow, previous) = (follow.get(), previous.get());
        let object = object.clone();
        let query = query::Logs {
            tail: TAIL,
            previous,
        };
        problem.set(None);
        loading.set(true);
        if !follow {
            leptos::task::spawn_local(async move {
                match api::logs(&object, query).await {
                    Ok(answer) => {
                        lines.set(answer.lines);
                        sources.set(answer.sources);
                    }
                    Err(e) => problem.set(Some(e.detail())),
                }
                loading.set(false);
            });
            return None;
        }
        let controller = web_sys::AbortController::new().ok()?;
        let signal = controller.signal();
        lines.set(Vec::new());
        leptos::task::spawn_local(async move {
            let outcome = api::follow_logs(&object, query, &signal, |event| match event {
                LogEvent::Sources { sources: found } => {
                    sources.set(found);
                    loading.set(false);
                }
                LogEvent::Line(line) => lines.update(|all| {
                    // Each container's tail arrives in a burst of its own: kept in time order.
                    let at = all.partition_point(|l| l.time <= line.time);
                    all.insert(at, line);
                    let over = all.len().saturating_sub(KEPT);
                    all.drain(..over);
                }),
                LogEvent::Ended { .. } => {}
            })
            .await;
            loading.set(false);
            if let Err(e) = outcome
                && !signal.aborted()
            {
                problem.set(Some(e.detail()));
            }
        });
        Some(controller)
    });

    let pods = Memo::new(move |_| {
        let mut pods: Vec<String> = sources.with(|s| s.iter().map(|s| s.pod.clone()).collect());
        pods.dedup();
        pods
    });
    let colour = move |pod: &str| {
        let index = pods.with(|p| p.iter().position(|p| p == pod).unwrap_or(0));
        format!("log-pod-{}", index % COLOURS)
    };
    let containers = Memo::new(move |_| {
        let mut names: Vec<String> =
            sources.with(|s| s.iter().map(|s| s.container.clone()).collect());
        names.sort();
        names.dedup();
        names
    });
    // Each line with its level, read once as it arrives.
    let levelled = Memo::new(move |_| {
        lines.with(|all| {
            all.iter()
                .map(|l| (Level::of(&l.text), l.clone()))
                .collect::<Vec<_>>()
        })
    });
    let shown = Memo::new(move |_| {
        let needle = filter.get().to_lowercase();
        let (pod, container, level) = (pod.get(), container.get(), level.get());
        levelled.with(|all| {
            all.iter()
                .filter(|(l, line)| {
                    (pod.is_empty() || line.pod == pod)
                        && (container.is_empty() || line.container == container)
                        && level.is_none_or(|wanted| *l == wanted)
                        && (needle.is_empty() || line.text.to_lowercase().contains(&needle))
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let tally = move || {
        levelled.with(|all| {
            Level::PICKED
                .iter()
                .filter_map(|wanted| {
                    let n = all.iter().filter(|(l, _)| l == wanted).count();
                    (n > 0).then(|| format!("{n} {}", wanted.name()))
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
    };
    // The newest line is in view when the lines come, and stays in view while following:
    // the first lines also bring the viewer's bottom onto the screen when it ends below it.
    let log = NodeRef::<leptos::html::Pre>::new();
    Effect::new(move |first: Option<bool>| {
        let any = shown.with(|s| !s.is_empty());
        if (follow.get_untracked() || first != Some(false))
            && let Some(log) = log.get_untracked()
        {
            log.set_scroll_top(log.scroll_height());
            let below = window().inner_height().ok().and_then(|h| h.as_f64());
            if any
                && first != Some(false)
                && below.is_some_and(|h| log.get_bounding_client_rect().bottom() > h)
            {
                log.scroll_into_view_with_bool(false);
            }
        }
        // Until the first lines arrive, the next answer is the first.
        !any && first != Some(false)
    });
    let download = move |_| {
        let text: String = shown.with(|lines| {
            lines
                .iter()
                .map(|(_, l)| {
                    format!(
                        "{} {}/{} {}\n",
                        l.time.as_deref().unwrap_or("-"),
                        l.pod,
                        l.container,
                        l.text
                    )
                })
                .collect()
        });
        save(&download_name, &text);
    };

    view! {
        <section aria-labelledby="logs-title" id="logs">
            <h2 id="logs-title">"Logs"</h2>
            <div class="log-tools">
                <label><input type="checkbox" prop:checked=follow on:change=move |e| follow.set(event_target_checked(&e))/>" Follow"</label>
                <label><input type="checkbox" prop:checked=previous disabled=follow on:change=move |e| previous.set(event_target_checked(&e))/>" Previous instance"</label>
                <label><input type="checkbox" prop:checked=wrap on:change=move |e| wrap.set(event_target_checked(&e))/>" Wrap lines"</label>
                <Pick label="Pod" options=pods chosen=pod/>
                <Pick label="Container" options=containers chosen=container/>
                <label>"Level "<select on:change=move |e| level.set(Level::parse(&event_target_value(&e)))>
                    <option value="">"all"</option>
                    {Level::PICKED.iter().map(|l| view! { <option value=l.name()>{l.name()}</option> }).collect_view()}
                </select></label>
                <label><input type="checkbox" prop:checked=laid_out on:change=move |e| laid_out.set(event_target_checked(&e))/>" Lay out JSON"</label>
                <input type="search" placeholder="Filter lines" aria-label="Filter log lines"
                    prop:value=filter on:input=move |e| filter.set(event_target_value(&e))/>
                <button type="button" on:click=download>"Download"</button>
                <span class="log-count" aria-live="polite">{move || {
                    let (shown, all) = (shown.with(Vec::len), lines.with(Vec::len));
                    if loading.get() { "Reading…".to_owned() }
                    else if shown == all { format!("{all} lines") }
                    else { format!("{shown} of {all} lines") }
                }}</span>
                <span class="log-tally">{tally}</span>
            </div>
            {move || problem.get().map(|p| view! { <p class="notice error">{p}</p> })}
            {move || sources.get().into_iter().filter_map(|s| s.error.map(|e| view! {
                <p class="notice">{format!("{}/{}: {e}", s.pod, s.container)}</p>
            })).collect_view()}
            <pre class="log" class:wrap=wrap tabindex="0" role="region" aria-label="Log lines" node_ref=log>{move || shown.get().into_iter().map(|(level, line)| view! {
                <span class=format!("log-line {} log-{}", colour(&line.pod), level.name())>
                    <span class="log-pod">{format!("{}/{}", line.pod, line.container)}</span>
                    " "<time>{line.time.as_deref().map(clock).unwrap_or_default()}</time>
                    " "{if laid_out.get() { pretty(&line.text) } else { line.text }}{line.cut.then_some(" …")}
                </span>
            }).collect_view()}</pre>
        </section>
    }
}

/// A choice among `options`, all of them when empty; shown once there are two to choose from.
#[component]
fn Pick(
    label: &'static str,
    options: Memo<Vec<String>>,
    chosen: RwSignal<String>,
) -> impl IntoView {
    move || {
        (options.with(Vec::len) > 1).then(|| {
            view! {
                <label>{label}" "<select on:change=move |e| chosen.set(event_target_value(&e))>
                    <option value="">"all"</option>
                    {options.get().into_iter().map(|o| view! { <option value=o.clone() selected=chosen.get_untracked() == o>{o.clone()}</option> }).collect_view()}
                </select></label>
            }
        })
    }
}

/// Offers `text` as a download named `name`.
fn save(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(anchor) = document().create_element("a") {
        let _ = anchor.set_attribute("href", &url);
        let _ = anchor.set_attribute("download", name);
        if let Ok(anchor) = anchor.dyn_into::<web_sys::HtmlElement>() {
            anchor.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
