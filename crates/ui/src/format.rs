//! How times and sizes read on a page.

/// "3m", "2h", "5d" since an RFC 3339 time; empty when there is none.
pub fn age(time: Option<&str>) -> String {
    let Some(time) = time else {
        return String::new();
    };
    let then = js_sys::Date::parse(time);
    if then.is_nan() {
        return time.to_owned();
    }
    let seconds = ((js_sys::Date::now() - then) / 1000.0).max(0.0) as u64;
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

pub fn size(bytes: Option<u64>) -> String {
    match bytes {
        None => String::new(),
        Some(b) if b < 1024 => format!("{b} B"),
        Some(b) if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        Some(b) => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}
