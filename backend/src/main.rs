//! `minihost-backend serve`: the sample drama's server on its own.

use anyhow::Context;
use clap::{Parser, Subcommand};
use minihost_backend::{Backend, Config, WEBHOOK_PATH};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "minihost-backend", version)]
/// The sample mini drama's server: TikTok login and account binding, paid episodes, webhooks.
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8788")]
        addr: String,
        /// TikTok's API base URL, or a `minihost platform serve` URL.
        #[arg(long, env = "TIKTOK_API_URL", default_value = "https://open.tiktokapis.com")]
        platform: String,
        #[arg(long, env = "TIKTOK_CLIENT_KEY")]
        client_key: String,
        #[arg(long, env = "TIKTOK_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        #[arg(long, default_value = "backend-data")]
        data_dir: PathBuf,
        /// An origin whose pages may call the API (repeatable; default minihost://app).
        #[arg(long = "allow-origin", value_name = "ORIGIN")]
        allow_origins: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve {
        addr,
        platform,
        client_key,
        client_secret,
        data_dir,
        allow_origins,
    } = Cli::parse().command;
    let mut config = Config::new(&platform, &client_key, &client_secret, data_dir);
    if !allow_origins.is_empty() {
        config.allowed_origins = allow_origins;
    }
    let backend = Backend::open(config)?;
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let url = format!("http://{}", listener.local_addr()?);
    println!("backend listening on {url} (webhook URL {url}{WEBHOOK_PATH})");
    backend.serve(listener).await.context("the server stopped")
}
