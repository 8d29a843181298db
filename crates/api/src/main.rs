use std::process::ExitCode;

use clap::Parser;
use flux_web::{app, cli::Args, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_openapi {
        #[allow(clippy::print_stdout)] // the document is the command's output
        {
            print!("{}", flux_web::http::openapi_json_text());
        }
        return ExitCode::SUCCESS;
    }
    telemetry::init(args.log_format);
    match app::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
