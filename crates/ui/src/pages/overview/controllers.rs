//! The overview's line on the Flux controllers: how many run, which are down, a link to
//! their page.

use crate::components::link::A;
use flux_web_shared::objects::State;
use leptos::prelude::*;

use crate::api;

#[component]
pub fn ControllersLine() -> impl IntoView {
    let answer = LocalResource::new(api::controllers);
    move || {
        let list = answer.get().and_then(Result::ok)?;
        if list.refused.is_some() || list.controllers.is_empty() {
            return None;
        }
        let down: Vec<String> = list
            .controllers
            .iter()
            .filter(|c| c.state == State::Failed)
            .map(|c| c.component.clone())
            .collect();
        let running = list.controllers.len() - down.len();
        let words = match down.is_empty() {
            true => format!("Flux controllers: {running} running"),
            false => format!(
                "Flux controllers: {running} running · {} down ({})",
                down.len(),
                down.join(", ")
            ),
        };
        Some(view! {
            <p class="controllers-line" class:down=!down.is_empty()>{words}" · "<A href="/controllers">"Controllers"</A></p>
        })
    }
}
