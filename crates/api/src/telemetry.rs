//! Logging. Everything goes to stderr through `tracing`; `RUST_LOG` refines the level.

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

pub fn init(format: LogFormat) {
    // Info by default: a line for what happened (start, actions refused, bulk runs, audit
    // trouble), none per request; `RUST_LOG=info,tower_http=debug` adds every request.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
