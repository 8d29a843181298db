//! The queries of the API's lists and streams, typed: a page says what it wants and the query
//! string is written here. A list page keeps its filters in its own URL under the same keys,
//! so one [`Filters`] is both the page's address and the API's question.

use crate::format::encode;

/// Filters by key, in the order of the keys a page knows; empty values are no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pairs: Vec<(&'static str, String)>,
}

impl Filters {
    /// The filters `keys` as `get` reads them (a URL's query).
    pub fn read(keys: &[&'static str], get: impl Fn(&str) -> Option<String>) -> Self {
        let pairs = keys
            .iter()
            .filter_map(|key| Some((*key, get(key).filter(|v| !v.is_empty())?)))
            .collect();
        Self { pairs }
    }

    /// The value of `key`, empty when it does not filter.
    pub fn get(&self, key: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// These filters with `key` set to `value` (in its place, or last when new), or taken
    /// off when `value` is empty.
    pub fn with(&self, key: &'static str, value: &str) -> Self {
        let mut pairs = self.pairs.clone();
        match pairs.iter().position(|(k, _)| *k == key) {
            Some(at) if value.is_empty() => {
                pairs.remove(at);
            }
            Some(at) => pairs[at].1 = value.to_owned(),
            None if value.is_empty() => {}
            None => pairs.push((key, value.to_owned())),
        }
        Self { pairs }
    }

    /// The list page `page` (`/resources`) showing these filters, `extra` after them.
    pub fn href(&self, page: &str, extra: &[(&str, &str)]) -> String {
        match self.encode(extra) {
            query if query.is_empty() => page.to_owned(),
            query => format!("{page}?{query}"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// As a query string, `extra` after the filters; empty values left out.
    pub fn encode(&self, extra: &[(&str, &str)]) -> String {
        self.pairs
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(extra.iter().copied())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// The keys of `/resources` and of `GET /api/v1/resources`.
pub const RESOURCE_FILTERS: [&str; 5] = ["kind", "namespace", "status", "q", "sort"];
/// The keys of `/events` and of `GET /api/v1/events`.
pub const EVENT_FILTERS: [&str; 5] = ["kind", "namespace", "severity", "reason", "q"];

/// A page of `GET /api/v1/resources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    pub filters: Filters,
    /// Where the page starts (the list's `continue`).
    pub offset: usize,
    pub limit: usize,
}

impl Resources {
    pub fn encode(&self) -> String {
        let offset = (self.offset > 0).then(|| self.offset.to_string());
        self.filters.encode(&[
            ("continue", offset.as_deref().unwrap_or_default()),
            ("limit", &self.limit.to_string()),
        ])
    }
}

/// A page of `GET /api/v1/events`: the newest, or the one older than `before`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Events {
    pub filters: Filters,
    pub before: Option<String>,
    pub limit: Option<usize>,
}

impl Events {
    pub fn encode(&self) -> String {
        let limit = self.limit.map(|l| l.to_string());
        self.filters.encode(&[
            ("before", self.before.as_deref().unwrap_or_default()),
            ("limit", limit.as_deref().unwrap_or_default()),
        ])
    }
}

/// What a live stream (`GET /api/v1/watch`) follows: kinds (all Flux kinds without any), in a
/// namespace or all, one object or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watch {
    pub kinds: Vec<String>,
    pub namespace: String,
    pub name: String,
}

impl Watch {
    pub fn encode(&self) -> String {
        let kinds = self.kinds.iter().map(|k| ("kind", k.as_str()));
        let rest = [
            ("namespace", self.namespace.as_str()),
            ("name", self.name.as_str()),
        ];
        kinds
            .chain(rest)
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// The lines `GET .../logs` answers: the last `tail` of each container, of the run before
/// the current one with `previous`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logs {
    pub tail: u32,
    pub previous: bool,
}

impl Logs {
    pub fn encode(&self) -> String {
        format!("tailLines={}&previous={}", self.tail, self.previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    #[test]
    fn filters_keep_the_known_keys_in_order_and_drop_the_empty() {
        let filters = Filters::read(
            &RESOURCE_FILTERS,
            url(&[
                ("q", "pod info"),
                ("tab", "x"),
                ("kind", "Kustomization"),
                ("status", ""),
            ]),
        );
        assert_eq!(filters.encode(&[]), "kind=Kustomization&q=pod%20info");
        assert_eq!(filters.get("status"), "");
        assert_eq!(filters.with("kind", "").encode(&[]), "q=pod%20info");
        assert_eq!(
            filters
                .with("kind", "HelmRelease")
                .with("status", "failed")
                .href("/resources", &[]),
            "/resources?kind=HelmRelease&q=pod%20info&status=failed"
        );
        assert_eq!(
            Filters::default().href("/resources", &[("continue", "")]),
            "/resources"
        );
        assert!(Filters::read(&RESOURCE_FILTERS, url(&[])).is_empty());
    }

    #[test]
    fn each_query_is_written_with_its_api_names() {
        let filters = Filters::default().with("status", "failed");
        let page = Resources {
            filters: filters.clone(),
            offset: 0,
            limit: 50,
        };
        assert_eq!(page.encode(), "status=failed&limit=50");
        let page = Resources {
            offset: 100,
            ..page
        };
        assert_eq!(page.encode(), "status=failed&continue=100&limit=50");
        let events = Events {
            filters,
            before: Some("a b".into()),
            limit: None,
        };
        assert_eq!(events.encode(), "status=failed&before=a%20b");
        let watch = Watch {
            kinds: vec!["Deployment".into(), "pods".into()],
            namespace: "apps".into(),
            name: String::new(),
        };
        assert_eq!(watch.encode(), "kind=Deployment&kind=pods&namespace=apps");
        assert_eq!(
            Logs {
                tail: 300,
                previous: true
            }
            .encode(),
            "tailLines=300&previous=true"
        );
    }
}
