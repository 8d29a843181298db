//! Favourites: objects the user starred, kept in this browser (localStorage), listed first on
//! the overview. Nothing of them goes to the server.

use leptos::prelude::*;

const KEY: &str = "flux-web.favourites";
/// A list kept short enough to read at a glance, and to bound what the browser stores.
pub const MAX: usize = 50;

/// The starred object paths (`group/Kind/namespace/name`), newest first; given to every
/// component by context.
#[derive(Debug, Clone, Copy)]
pub struct Favourites(pub RwSignal<Vec<String>>);

impl Favourites {
    /// Reads what this browser kept; a store that cannot be read starts empty.
    pub fn load() -> Self {
        let kept = storage()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
            .unwrap_or_default();
        Self(RwSignal::new(parse(kept)))
    }

    pub fn has(&self, path: &str) -> bool {
        self.0.with(|all| all.iter().any(|p| p == path))
    }

    /// Stars `path`, or unstars it; kept at once.
    pub fn toggle(&self, path: &str) {
        self.0.update(|all| toggled(all, path));
        if let (Some(store), Ok(text)) = (storage(), serde_json::to_string(&self.0.get_untracked()))
        {
            let _ = store.set_item(KEY, &text);
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// What was kept, bounded and without repeats: the store is the user's to edit.
fn parse(kept: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for path in kept {
        if path.split('/').count() == 4 && !out.contains(&path) && out.len() < MAX {
            out.push(path);
        }
    }
    out
}

fn toggled(all: &mut Vec<String>, path: &str) {
    if let Some(at) = all.iter().position(|p| p == path) {
        all.remove(at);
    } else {
        all.insert(0, path.to_owned());
        all.truncate(MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_goes_on_top_a_second_takes_it_off_and_the_list_stays_bounded() {
        let mut all = Vec::new();
        toggled(&mut all, "a/K/ns/x");
        toggled(&mut all, "a/K/ns/y");
        assert_eq!(all, ["a/K/ns/y", "a/K/ns/x"]);
        toggled(&mut all, "a/K/ns/y");
        assert_eq!(all, ["a/K/ns/x"]);
        for i in 0..60 {
            toggled(&mut all, &format!("a/K/ns/{i}"));
        }
        assert_eq!(all.len(), MAX);
        assert_eq!(all[0], "a/K/ns/59");
    }

    #[test]
    fn what_the_store_held_is_kept_only_when_it_is_an_object_path() {
        let kept = vec![
            "a/K/ns/x".to_owned(),
            "a/K/ns/x".to_owned(),
            "<script>".to_owned(),
            "a/K/ns/y".to_owned(),
        ];
        assert_eq!(parse(kept), ["a/K/ns/x", "a/K/ns/y"]);
    }
}
