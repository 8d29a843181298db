//! How times and sizes read on a page.

use leptos::prelude::*;

/// How often ages on a page move on.
const TICK_MS: u64 = 10_000;

/// The time ages are measured against, in milliseconds since the epoch: a signal that moves
/// every ten seconds, so "22s" becomes "32s" without a reload. The app makes one.
#[derive(Debug, Clone, Copy)]
pub struct Now(RwSignal<f64>);

impl Now {
    pub fn ticking() -> Self {
        let now = RwSignal::new(js_sys::Date::now());
        // The app lives as long as the page: its interval needs no handle to stop it.
        let _ = set_interval_with_handle(
            move || now.set(js_sys::Date::now()),
            std::time::Duration::from_millis(TICK_MS),
        );
        Self(now)
    }
}

/// "3m", "2h", "5d" since an RFC 3339 time; empty when there is none.
pub fn age(time: Option<&str>) -> String {
    age_at(time, js_sys::Date::now())
}

/// The age of `time`, kept up to date on the page by the app's [`Now`].
pub fn ago(time: Option<String>) -> impl Fn() -> String + Send + Sync + 'static {
    let now = use_context::<Now>();
    move || {
        let now = now.map_or_else(js_sys::Date::now, |Now(now)| now.get());
        age_at(time.as_deref(), now)
    }
}

/// "in 2h" until an RFC 3339 time, kept up to date like [`ago`]; "now" once it has come.
pub fn countdown(time: String) -> impl Fn() -> String + Send + Sync + 'static {
    let now = use_context::<Now>();
    move || {
        let now = now.map_or_else(js_sys::Date::now, |Now(now)| now.get());
        let left = (js_sys::Date::parse(&time) - now) / 1000.0;
        if left > 0.0 {
            format!("in {}", since(left))
        } else {
            "now".to_owned()
        }
    }
}

fn age_at(time: Option<&str>, now: f64) -> String {
    let Some(time) = time else {
        return String::new();
    };
    let then = js_sys::Date::parse(time);
    if then.is_nan() {
        return time.to_owned();
    }
    since((now - then) / 1000.0)
}

/// "3m", "2h", "5d" for an age in seconds; a time in the future is "0s".
pub fn since(seconds: f64) -> String {
    let seconds = seconds.max(0.0) as u64;
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// "12:03": the browser's local time of day at `ms` since the epoch.
pub fn clock(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// `text` as a URI component: every byte but the unreserved ones percent-encoded.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn size(bytes: Option<u64>) -> String {
    match bytes {
        None => String::new(),
        Some(b) if b < 1024 => format!("{b} B"),
        Some(b) if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        Some(b) => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        let cases = [
            (-5.0, "0s"),
            (0.0, "0s"),
            (59.9, "59s"),
            (60.0, "1m"),
            (3599.0, "59m"),
            (3600.0, "1h"),
            (86399.0, "23h"),
            (86400.0 * 3.5, "3d"),
        ];
        for (seconds, shown) in cases {
            assert_eq!(since(seconds), shown, "{seconds}");
        }
    }

    #[test]
    fn sizes_read_in_bytes_kib_or_mib() {
        assert_eq!(size(None), "");
        assert_eq!(size(Some(1023)), "1023 B");
        assert_eq!(size(Some(1536)), "1.5 KiB");
        assert_eq!(size(Some(5 << 20)), "5.0 MiB");
    }

    #[test]
    fn uri_components_keep_only_unreserved_bytes() {
        assert_eq!(encode("apps-1.x_~"), "apps-1.x_~");
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode(""), "");
    }
}
