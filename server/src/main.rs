//! The `rampart` binary: parse the command line, start logging, run the command.

use clap::Parser;
use server::commands::cli::Cli;

/// mimalloc: the collector and the scanner allocate many small objects; it is markedly faster
/// than the system allocator for that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    server::telemetry::init();
    match server::commands::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
