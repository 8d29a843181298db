//! What the viewer reads in a log line: its level (from JSON, logfmt or a leading word, as Go,
//! controller-runtime and most servers write it) and, on request, its JSON laid out.

/// How urgent a line says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
    /// No level found.
    Other,
}

impl Level {
    pub const PICKED: [Level; 4] = [Level::Error, Level::Warn, Level::Info, Level::Debug];

    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Other => "",
        }
    }

    pub fn parse(word: &str) -> Option<Level> {
        Some(match word.to_ascii_lowercase().as_str() {
            "error" | "err" | "fatal" | "panic" | "critical" | "crit" | "e" => Level::Error,
            "warn" | "warning" | "w" => Level::Warn,
            "info" | "notice" | "i" => Level::Info,
            "debug" | "trace" | "d" => Level::Debug,
            _ => return None,
        })
    }

    /// The level `text` states: a JSON `level`/`severity` field, a logfmt `level=`, or a
    /// leading word (`ERROR ...`, `[warn] ...`, klog's `E1206 ...`).
    pub fn of(text: &str) -> Level {
        let text = text.trim_start();
        if text.starts_with('{') {
            if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(text) {
                return ["level", "severity", "lvl"]
                    .iter()
                    .find_map(|k| fields.get(*k)?.as_str().and_then(Level::parse))
                    .unwrap_or(Level::Other);
            }
            return Level::Other;
        }
        if let Some(at) = text.find("level=") {
            let word = text[at + 6..].trim_start_matches('"');
            let end = word
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(word.len());
            if let Some(level) = Level::parse(&word[..end]) {
                return level;
            }
        }
        let first = text
            .split(|c: char| c.is_whitespace() || c == ':')
            .next()
            .unwrap_or_default()
            .trim_matches(|c| c == '[' || c == ']');
        if let Some(level) = Level::parse(first).filter(|_| first.len() > 1) {
            return level;
        }
        // klog: a level letter, then the date as digits ("E1206 12:03:04.5 ...").
        let mut chars = first.chars();
        match (chars.next(), first.len(), chars.all(|c| c.is_ascii_digit())) {
            (Some(c), 5, true) => Level::parse(&c.to_string()).unwrap_or(Level::Other),
            _ => Level::Other,
        }
    }
}

/// `text` laid out on several lines when it is a JSON object; as it is otherwise.
pub fn pretty(text: &str) -> String {
    let trimmed = text.trim();
    if !trimmed.starts_with('{') {
        return text.to_owned();
    }
    serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| text.to_owned())
}

/// `HH:MM:SS` of an RFC 3339 time, for the gutter; the full time is in the download.
pub fn clock(time: &str) -> String {
    time.get(11..19).unwrap_or(time).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_is_read_from_json_logfmt_a_leading_word_or_klog() {
        for (text, level) in [
            (r#"{"level":"error","msg":"apply failed"}"#, Level::Error),
            (r#"{"severity":"WARNING","message":"slow"}"#, Level::Warn),
            (r#"{"msg":"no level"}"#, Level::Other),
            ("{not json", Level::Other),
            (
                "time=2026-12-06T12:00:00Z level=info msg=started",
                Level::Info,
            ),
            (r#"ts=1 level="debug" msg=x"#, Level::Debug),
            ("ERROR: disk full", Level::Error),
            ("[warn] retrying", Level::Warn),
            (
                "E1206 12:03:04.500000       1 reflector.go:1] failed",
                Level::Error,
            ),
            (
                "I1206 12:03:04.500000       1 main.go:1] started",
                Level::Info,
            ),
            ("Information is not a level", Level::Other),
            ("e is not one either", Level::Other),
            ("", Level::Other),
        ] {
            assert_eq!(Level::of(text), level, "{text}");
        }
    }

    #[test]
    fn json_is_laid_out_and_anything_else_kept() {
        assert_eq!(pretty(r#"{"a":1}"#), "{\n  \"a\": 1\n}");
        assert_eq!(pretty("plain text"), "plain text");
        assert_eq!(pretty("{broken"), "{broken");
    }
}
