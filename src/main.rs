//! The `minihost` command line.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use minihost::app::{App, AppError};
use minihost::app_origin::AppOrigin;
use minihost::assets::Assets;
use minihost::bridge::{Bridge, BridgeLog, BridgeOptions, HostContext};
use minihost::config::{ConfigError, Severity};
use minihost::media_server::MediaServer;
use minihost::platform::{self, cli::PlatformCommand, HostApp, NewApp, Platform, PlatformOptions};
use minihost::policy::Policy;
use minihost::shell::sheets::ConsentMode;
use minihost::shell::{Device, Layout, Theme, DEVICES};
use std::path::PathBuf;
use std::sync::Arc;

/// A host runtime for TikTok Minis mini dramas: runs an H5 mini app as TikTok would, with
/// the TTMinis bridge, the platform's content rules, native chrome and a local TikTok
/// platform (OAuth, user info) for the app's backend.
#[derive(Parser)]
#[command(name = "minihost", version, propagate_version = true)]
struct Cli {
    /// Log format on stderr. `json` emits one object per line, for tools and CI.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run a mini app in a phone-shaped window (the bundled sample drama without DIR).
    Run(RunArgs),
    /// The local TikTok platform: serve it, add apps and test users.
    #[command(subcommand)]
    Platform(PlatformCommand),
    /// List the device profiles `run --device` accepts.
    Devices,
}

#[derive(Args)]
struct RunArgs {
    /// A mini app project (with minis.config.json and build.outputDir) or a build output
    /// folder (minis.config.json next to index.html).
    dir: Option<PathBuf>,
    /// Test user signed in to the host at start.
    #[arg(long, default_value = "alice", conflicts_with = "signed_out")]
    user: String,
    /// Start with no user signed in: login shows the login sheet.
    #[arg(long)]
    signed_out: bool,
    /// Where platform state (users, grants, tokens) lives; persists across runs.
    #[arg(long, env = "MINIHOST_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Use an already running platform server (same --data-dir) instead of starting one.
    #[arg(long, value_name = "URL")]
    platform: Option<String>,
    /// Write every bridge message and reply to FILE as JSON lines.
    #[arg(long, value_name = "FILE")]
    log_bridge: Option<PathBuf>,
    /// Device profile (see `minihost devices`).
    #[arg(long, default_value = minihost::shell::devices::DEFAULT_DEVICE)]
    device: String,
    /// Colour theme; switch at runtime from the capsule menu.
    #[arg(long, default_value = "light")]
    theme: Theme,
    /// How consent and login sheets are answered: shown to you, or answered for scripted runs.
    #[arg(long, default_value = "ask")]
    consent: ConsentMode,
    /// Which host app to emulate; open_id differs per host, as on the real platforms.
    #[arg(long, default_value = "tiktok")]
    host_app: HostApp,
    /// Allow the WebKit inspector (right click → Inspect).
    #[arg(long)]
    devtools: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    // User-facing errors: the message and its causes, never a backtrace (RUST_BACKTRACE is often
    // set in developers' shells).
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Config findings are already `file:line:col: error: …` lines.
            if matches!(e.downcast_ref::<AppError>(), Some(AppError::Config(ConfigError::Invalid { .. }))) {
                eprintln!("{e}");
            } else {
                eprintln!("error: {}", describe(&e));
            }
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, skipping a cause whose text the message already has.
fn describe(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !msg.contains(&text) {
            msg = format!("{msg}: {text}");
        }
    }
    msg
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Platform(cmd) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(platform::cli::run(cmd)).map_err(Into::into)
        }
        Command::Devices => {
            println!(
                "{:<20} {:<26} {:>9} {:>5} {:>6} {:>7}  capsule (l,t,r,b)",
                "ID", "NAME", "SCREEN", "DPR", "STATUS", "BOTTOM"
            );
            for d in DEVICES {
                let c = d.capsule;
                println!(
                    "{:<20} {:<26} {:>4}x{:<4} {:>5} {:>6} {:>7}  {},{},{},{}",
                    d.id,
                    d.name,
                    d.screen_width,
                    d.screen_height,
                    d.pixel_ratio,
                    d.status_bar_height,
                    d.bottom_inset,
                    c.left,
                    c.top,
                    c.right,
                    c.bottom
                );
            }
            Ok(())
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).init(),
    }
}

fn run(args: RunArgs) -> Result<()> {
    let data_dir = args.data_dir.clone().unwrap_or_else(platform::default_data_dir);
    let app = match &args.dir {
        Some(dir) => App::resolve(dir)?,
        None => App::sample(&data_dir.join("cache"))?,
    };
    let loaded = &app.config;
    for w in &loaded.warnings {
        debug_assert_eq!(w.severity, Severity::Warning);
        eprintln!("{}", w.display(&loaded.path));
    }
    let config = &loaded.config;
    let device = Device::find(&args.device).with_context(|| {
        format!(
            "unknown device `{}`; known: {}",
            args.device,
            DEVICES.iter().map(|d| d.id).collect::<Vec<_>>().join(", ")
        )
    })?;

    let platform = Platform::open(&data_dir, PlatformOptions::default())
        .with_context(|| format!("opening platform data in {}", data_dir.display()))?;
    let client_key = config
        .dev
        .client_key
        .clone()
        .unwrap_or_else(|| format!("minihost-{}", slug(&app.title())));
    let (registered, created) = platform.ensure_app(NewApp {
        client_key: client_key.clone(),
        client_secret: None,
        redirect_uris: vec![],
        developer: None,
        webhook_url: None,
        // A Mini may only ask for these (the emulator enforces it at the token endpoint too).
        allowed_scopes: Some(vec![platform::USER_INFO_OPEN_ID.to_owned(), platform::USER_INFO_BASIC.to_owned()]),
    })?;
    if created {
        println!(
            "registered app {client_key} on the local platform; client secret: {}",
            registered.client_secret
        );
    }

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let base_url = match &args.platform {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
            let url = format!("http://{}", listener.local_addr()?);
            let server = platform.clone();
            runtime.spawn(async move {
                if let Err(e) = platform::serve(listener, server).await {
                    tracing::error!(target: "minihost::platform", "platform server stopped: {e}");
                }
            });
            url
        }
    };
    println!("platform: {base_url}  (client_key {client_key}; data in {})", data_dir.display());

    let user = if args.signed_out { None } else { Some(args.user.clone()) };
    if let Some(name) = &user {
        if platform.user_by_username(name)?.is_none() {
            let known: Vec<String> = platform.users()?.into_iter().map(|u| u.username).collect();
            bail!(
                "no test user `{name}`; known users: {} (add one with `minihost platform user add`)",
                known.join(", ")
            );
        }
    }
    // WebKitGTK plays media only over http(s): <video>/<audio> go through a loopback server.
    let assets = Assets::new(&app.root).with_context(|| format!("opening {}", app.root.display()))?;
    let media = runtime.block_on(MediaServer::bind(assets.clone()))?;
    let (media_origin, media_base) = (media.origin.clone(), media.base.clone());
    runtime.spawn(async move {
        if let Err(e) = media.run().await {
            tracing::error!(target: "minihost::assets", "media server stopped: {e}");
        }
    });
    let policy = Arc::new(Policy::with_media_origin(config, Some(media_origin)));
    let log = match &args.log_bridge {
        Some(path) => Some(BridgeLog::create(path).with_context(|| format!("creating {}", path.display()))?),
        None => None,
    };
    let title = app.title();
    let opts = BridgeOptions {
        client_key: client_key.clone(),
        app_name: title.clone(),
        host_app: args.host_app,
        consent: args.consent,
        user,
        theme: args.theme,
    };
    let bridge = Arc::new(Bridge::new(policy.clone(), platform, config, opts, log).map_err(|e| anyhow::anyhow!(e.error_msg))?);
    let layout = Layout::new(device, config.navbar.style);
    let mut context = HostContext::new("ipc", Some(client_key), device, &layout);
    context.media_base = Some(media_base);
    let origin = Arc::new(AppOrigin::new(assets, policy.clone()));
    run_desktop(origin, policy, bridge, device, layout, context, title, args, runtime)
}

#[cfg(feature = "desktop")]
#[allow(clippy::too_many_arguments)]
fn run_desktop(
    origin: Arc<AppOrigin>,
    policy: Arc<Policy>,
    bridge: Arc<Bridge>,
    device: &'static Device,
    layout: Layout,
    context: HostContext,
    title: String,
    args: RunArgs,
    runtime: tokio::runtime::Runtime,
) -> Result<()> {
    use minihost::bridge::HOST_VERSION;
    minihost::desktop::run(minihost::desktop::RunOptions {
        origin,
        bridge,
        policy,
        device,
        layout,
        context,
        user_agent: device.user_agent(HOST_VERSION),
        title,
        theme: args.theme,
        devtools: args.devtools,
        runtime: runtime.handle().clone(),
    })?;
    Ok(())
}

#[cfg(not(feature = "desktop"))]
#[allow(clippy::too_many_arguments)]
fn run_desktop(
    _: Arc<AppOrigin>,
    _: Arc<Policy>,
    _: Arc<Bridge>,
    _: &'static Device,
    _: Layout,
    _: HostContext,
    _: String,
    _: RunArgs,
    _: tokio::runtime::Runtime,
) -> Result<()> {
    bail!("this minihost was built without the `desktop` feature, so it cannot open a window")
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect()
}
