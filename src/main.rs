//! The `minihost` command line.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use minihost_core::app::AppError;
use minihost_core::config::ConfigError;
use minihost_core::host::{AppSource, Host, HostError, PlatformChoice};
use minihost_core::platform::{default_data_dir, HostApp};
use minihost_core::rules;
use minihost_core::shell::sheets::ConsentMode;
use minihost_core::shell::{Theme, DEVICES};
use std::path::PathBuf;

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
enum ThemeArg {
    Light,
    Dark,
}

impl From<ThemeArg> for Theme {
    fn from(t: ThemeArg) -> Theme {
        match t {
            ThemeArg::Light => Theme::Light,
            ThemeArg::Dark => Theme::Dark,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ConsentArg {
    Ask,
    Allow,
    Deny,
}

impl From<ConsentArg> for ConsentMode {
    fn from(c: ConsentArg) -> ConsentMode {
        match c {
            ConsentArg::Ask => ConsentMode::Ask,
            ConsentArg::Allow => ConsentMode::Allow,
            ConsentArg::Deny => ConsentMode::Deny,
        }
    }
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
    Platform(minihost_platform::cli::PlatformCommand),
    /// List the device profiles `run --device` accepts.
    Devices,
    /// Check a build output (or a project, or one file) against the platform's rules.
    Check(CheckArgs),
    /// Write minis.config.json and add the SDK and console tags to the HTML entry.
    Init(InitArgs),
    /// Check the build output and package it: minis.manifest.json and minis.zip.
    Build(BuildArgs),
    /// Run the app from its dev server (dev.host:dev.port) in the host, under the same policy as
    /// `run`; with --build, serve the build output and reload the page when it changes.
    Dev(DevArgs),
    /// Explain a platform rule that a log line names (`rule=…`); without RULE, list them.
    Explain {
        /// A rule name, e.g. trusted-domains.
        rule: Option<String>,
    },
}

#[derive(Args)]
struct CheckArgs {
    /// A project (minis.config.json and its build output), a build output folder, or a file.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Output format: human, json or sarif (SARIF 2.1.0 on stdout).
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Do not report RULE (repeatable); dev.checkAllow in minis.config.json does the same per project.
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Args)]
struct InitArgs {
    /// The project folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The app's client key (else a placeholder to replace).
    #[arg(long, value_name = "KEY")]
    client_key: Option<String>,
    /// Accept every detected value without asking.
    #[arg(long, short)]
    yes: bool,
    /// Do not add the Eruda console.
    #[arg(long)]
    no_console: bool,
}

#[derive(Args)]
struct BuildArgs {
    /// The project folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Do not report RULE in the check that precedes packaging (repeatable).
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// Warn when minis.zip is larger than this many bytes (default 50 MB, the lower of two
    /// secondary sources; UNCONFIRMED).
    #[arg(long, value_name = "BYTES", default_value_t = minihost_devtools::build::PACKAGE_LIMIT)]
    size_limit: u64,
}

#[derive(Args)]
struct DevArgs {
    /// Serve the build output (build.outputDir) instead of the dev server, reloading on change.
    #[arg(long)]
    build: bool,
    #[command(flatten)]
    run: RunArgs,
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
    /// Where platform state (users, grants, tokens) lives; persists across runs. With
    /// --platform, where this host keeps its device token for that platform.
    #[arg(long, env = "MINIHOST_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Use a running `minihost platform serve` at URL (on this machine or another) instead of
    /// an embedded platform.
    #[arg(long, value_name = "URL")]
    platform: Option<String>,
    /// The pairing token a platform on another machine printed (`platform serve --allow-remote`).
    #[arg(long, value_name = "TOKEN", requires = "platform", env = "MINIHOST_PAIRING_TOKEN")]
    pairing_token: Option<String>,
    /// Write every bridge message and reply to FILE as JSON lines.
    #[arg(long, value_name = "FILE")]
    log_bridge: Option<PathBuf>,
    /// Device profile (see `minihost devices`).
    #[arg(long, default_value = minihost_core::shell::devices::DEFAULT_DEVICE)]
    device: String,
    /// Colour theme; switch at runtime from the capsule menu.
    #[arg(long, value_enum, default_value_t = ThemeArg::Light)]
    theme: ThemeArg,
    /// How consent and login sheets are answered: shown to you, or answered for scripted runs.
    #[arg(long, value_enum, default_value_t = ConsentArg::Ask)]
    consent: ConsentArg,
    /// The app's client key, over minis.config.json's dev.clientKey and the key the page passes
    /// to TTMinis.init.
    #[arg(long, value_name = "KEY")]
    client_key: Option<String>,
    /// Which host app to emulate; open_id differs per host, as on the real platforms.
    #[arg(long, default_value = "tiktok")]
    host_app: HostApp,
    /// Allow the WebKit inspector (right click → Inspect).
    #[arg(long)]
    devtools: bool,
    /// Log each phase of the start path with its time since start (target minihost_core::startup).
    #[arg(long)]
    trace_startup: bool,
}

fn main() -> ExitCode {
    minihost_core::startup::begin();
    minihost_desktop::web_process::preload_for_children();
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    // User-facing errors: the message and its causes, never a backtrace (RUST_BACKTRACE is often
    // set in developers' shells).
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Config findings are already `file:line:col: error: …` lines.
            if matches!(
                e.downcast_ref::<HostError>(),
                Some(HostError::App(AppError::Config(ConfigError::Invalid { .. })))
            ) || matches!(e.downcast_ref::<ConfigError>(), Some(ConfigError::Invalid { .. }))
            {
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
        Command::Run(args) => {
            let app = match &args.dir {
                Some(dir) => AppSource::Dir(dir.clone()),
                None => AppSource::Sample,
            };
            run(args, app)
        }
        Command::Dev(args) => dev(args),
        Command::Platform(cmd) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(minihost_platform::cli::run(cmd)).map_err(Into::into)
        }
        Command::Check(args) => check(args),
        Command::Init(args) => {
            let opts = minihost_devtools::init::InitOptions {
                client_key: args.client_key,
                yes: args.yes,
                console: !args.no_console,
            };
            let done = minihost_devtools::init::init(&args.dir, &opts)?;
            for line in done {
                println!("{line}");
            }
            Ok(())
        }
        Command::Build(args) => {
            let opts = minihost_devtools::build::BuildOptions {
                allow: args.allow,
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
                size_limit: args.size_limit,
            };
            minihost_devtools::build::build(&args.dir, &opts).map(|_| ())
        }
        Command::Explain { rule: None } => {
            for r in rules::RULES {
                println!("{:<20} {}", r.name, r.summary);
            }
            Ok(())
        }
        Command::Explain { rule: Some(name) } => {
            let Some(r) = rules::find(&name) else {
                let known: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
                anyhow::bail!("no rule `{name}`; rules: {}", known.join(", "));
            };
            println!("{}: {}\n\n{}\n\nFix: {}.", r.name, r.summary, r.explanation, r.fix);
            Ok(())
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

/// Prints the report; findings with error severity make the command fail.
fn check(args: CheckArgs) -> Result<()> {
    use minihost_devtools::check::{self, report};
    let opts = check::CheckOptions { allow: args.allow };
    let r = check::check_path(&args.dir, &opts)?;
    let format = match args.format {
        CheckFormat::Human => report::Format::Human,
        CheckFormat::Json => report::Format::Json,
        CheckFormat::Sarif => report::Format::Sarif,
    };
    print!("{}", report::render(&r, format));
    if r.errors() > 0 {
        // The report said it all; exit non-zero without another line.
        std::process::exit(1);
    }
    Ok(())
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

/// `dev`: says where the pages come from, and how to start the dev server when it is down.
fn dev(args: DevArgs) -> Result<()> {
    let dir = args.run.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if args.build {
        println!(
            "dev: serving the build output of {}; the page reloads when it changes",
            dir.display()
        );
        return run(args.run, AppSource::DevBuild(dir));
    }
    let config = minihost_core::config::AppConfig::load(&dir.join(minihost_core::config::CONFIG_FILE))?;
    let server = minihost_core::dev_server::DevServer::new(&config.config.dev.host, config.config.dev.port);
    if server.is_up() {
        println!("dev: pages from {} through minihost://app", server.origin());
    } else {
        let script = std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v["scripts"]["dev"].is_string());
        let how = if script { "`npm run dev`" } else { "your dev server" };
        eprintln!(
            "dev: the dev server at {} (dev.host:dev.port in minis.config.json) is not answering; start it with {how} in {}. The window waits and loads the app when it answers.",
            server.origin(),
            dir.display()
        );
    }
    run(args.run, AppSource::DevServer(dir))
}

fn run(args: RunArgs, app: AppSource) -> Result<()> {
    if args.trace_startup {
        minihost_core::startup::enable();
    }
    minihost_core::startup::phase("arguments parsed");
    let data_dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    let mut opts = minihost::embedded::host_options(app, data_dir.clone());
    opts.device = args.device.clone();
    opts.theme = args.theme.into();
    opts.consent = args.consent.into();
    opts.user = (!args.signed_out).then(|| args.user.clone());
    opts.host_app = args.host_app;
    opts.client_key = args.client_key.clone();
    opts.bridge_log = args.log_bridge.clone();
    // WebKitGTK plays media only over http(s): <video>/<audio> go through a loopback server.
    opts.media_server = Some(minihost_desktop::serve_media);
    if let Some(url) = &args.platform {
        opts.platform = PlatformChoice::Remote {
            url: url.clone(),
            pairing_token: args.pairing_token.clone(),
        };
    }
    // The sample drama runs with its server, against the embedded platform.
    let backend = match (&opts.app, &opts.platform) {
        (AppSource::Sample, PlatformChoice::Embedded) => Some(minihost::sample_backend::SampleBackend::bind(&data_dir)?),
        _ => None,
    };
    {
        opts.backend_origin = backend.as_ref().map(|b| b.url.clone());
    }
    // The host starts on a thread while GTK connects to the display here (GTK must stay on
    // this thread, which runs the event loop). The host's errors come first: the app and
    // config do not depend on where minihost runs.
    let starting = std::thread::spawn(move || Host::start(opts));
    let display = minihost_desktop::check_display();
    let host = starting.join().map_err(|_| anyhow::anyhow!("the host panicked while starting"))??;
    display?;
    minihost_core::startup::phase("display checked");
    for warning in host.config_warnings() {
        eprintln!("{warning}");
    }
    if let Some(secret) = host.registered_secret() {
        println!(
            "registered app {} on {}; client secret: {secret}",
            host.client_key(),
            host.platform_description()
        );
    }
    println!(
        "platform: {}  (client_key {}; {})",
        host.platform_url(),
        host.client_key(),
        host.platform_description()
    );
    if let Some(backend) = backend {
        let url = backend.url.clone();
        let webhook = backend.start(&host)?;
        println!(
            "backend: {url}  (the sample drama's server, data in {}; webhooks to {webhook})",
            data_dir.join("backend").display()
        );
    }
    run_desktop(host, &args)
}

fn run_desktop(host: Host, args: &RunArgs) -> Result<()> {
    minihost_desktop::run(std::sync::Arc::new(host), minihost_desktop::RunOptions { devtools: args.devtools })?;
    Ok(())
}
