//! redbank-server: parses flags, sets up logging, binds, and runs until SIGINT or SIGTERM.

use clap::Parser;

/// glibc's malloc showed as the largest cost of a request under load (about a sixth
/// of the server's CPU in perf, with contention between the runtime's threads);
/// mimalloc's thread-local heaps remove most of it. See docs/PERFORMANCE.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use redbank_server::log_writer::LogWriter;
use redbank_server::traces::Traces;
use redbank_server::{Config, LogFormat};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::prelude::*;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    if config.man_page {
        let page = clap_mangen::Man::new(<Config as clap::CommandFactory>::command());
        return match page.render(&mut std::io::stdout().lock()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("redbank-server: cannot write the manual page: {error}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let log_writer = LogWriter::stderr();
    let traces = match config.otlp_endpoint.as_deref() {
        // Without traces, the one global filter of before: nothing else listens.
        None => {
            let builder = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(ansi)
                .with_writer(log_writer.clone());
            match config.log_format {
                LogFormat::Json => builder.json().flatten_event(true).init(),
                LogFormat::Text => builder.init(),
            }
            None
        }
        // With traces, each layer its own filter: the log's, and the spans' target.
        Some(endpoint) => {
            let (traces, spans) = match Traces::start(endpoint) {
                Ok(started) => started,
                Err(error) => {
                    eprintln!("redbank-server: {error}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            let log = tracing_subscriber::fmt::layer().with_ansi(ansi).with_writer(log_writer.clone());
            let log = match config.log_format {
                LogFormat::Json => log.json().flatten_event(true).boxed(),
                LogFormat::Text => log.boxed(),
            };
            tracing_subscriber::registry().with(log.with_filter(filter)).with(spans).init();
            tracing::info!(endpoint, "exporting traces over OTLP");
            Some(traces)
        }
    };
    let code = serve(config, traces).await;
    log_writer.flush();
    code
}

/// Binds and serves until a signal; the exit code.
async fn serve(config: Config, traces: Option<Traces>) -> std::process::ExitCode {
    if config.auth == redbank_server::auth::AuthMode::Off && !config.listen.ip().is_loopback() {
        tracing::error!(
            listen = %config.listen,
            "--auth off serves everyone as an admin: refused on an address that is not loopback"
        );
        return std::process::ExitCode::FAILURE;
    }
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, listen = %config.listen, "cannot listen");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = redbank_server::run(listener, config, shutdown_signal()).await;
    if let Some(traces) = traces {
        traces.stop();
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = ?error, "server failed");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Resolves on the first SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
