//! `minihost platform ...`: run the emulator alone (`serve`) and register apps and users in a
//! data dir (`app add`, `user add`, and their `list`s). The database in the data dir is the source
//! of truth, so what these commands add is seen by any server on the same data dir.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::{
    default_data_dir, serve_with_shutdown, Durability, ImportedDrama, NewApp, NewUser, Platform, PlatformError, PlatformOptions,
    ReviewDecision, DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_CODE_TTL, DEFAULT_REFRESH_TOKEN_TTL,
};

#[derive(Debug, clap::Subcommand)]
pub enum PlatformCommand {
    /// Run the platform emulator (Open API v2, Login Kit for Web, legacy v1, /__admin/) over HTTP.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// Where the platform database lives [default: the user's data dir, e.g. ~/.local/share/minihost].
        #[arg(long, env = "MINIHOST_DATA_DIR", conflicts_with = "in_memory")]
        data_dir: Option<PathBuf>,
        /// Keep all state in memory; it is gone when the server stops.
        #[arg(long)]
        in_memory: bool,
        /// Accept hosts from other machines (a phone): allows a non-loopback --addr and prints
        /// the pairing token such a host needs. Loopback hosts pair without one.
        #[arg(long)]
        allow_remote: bool,
        /// With --allow-remote, the only dir a Media Asset upload may name as `file://`.
        #[arg(long, value_name = "DIR")]
        media_dir: Option<PathBuf>,
        #[command(flatten)]
        tokens: TokenArgs,
    },
    /// Register and list apps.
    #[command(subcommand)]
    App(AppCommand),
    /// Create and list test users.
    #[command(subcommand)]
    User(UserCommand),
    /// Mini dramas of the Media Asset library: review decisions and a quick import.
    #[command(subcommand)]
    Drama(DramaCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum DramaCommand {
    /// Approve or reject a version in review (or appealing), as TikTok's reviewers would.
    Review {
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
        album_id: i64,
        version: i64,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        /// A rejection reason (repeatable).
        #[arg(long = "reason", value_name = "TEXT")]
        reasons: Vec<String>,
    },
    /// Upload every file in DIR (sorted by name) as the episodes of one new drama, approved,
    /// online and listed; prints the album_id and episode ids as JSON.
    Import {
        dir: PathBuf,
        #[arg(long)]
        client_key: String,
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// Token lifetimes and storage flags, shared by every command that runs the platform.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// Access token lifetime in seconds (newer TikTok docs: 7200).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_ACCESS_TOKEN_TTL)]
    pub access_token_ttl: u64,
    /// Refresh token lifetime in seconds (newer TikTok docs: 15552000).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_REFRESH_TOKEN_TTL)]
    pub refresh_token_ttl: u64,
    /// Authorization code lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_CODE_TTL)]
    pub code_ttl: u64,
    /// Issue a new refresh token on every refresh and revoke the old one.
    #[arg(long)]
    pub rotate_refresh_tokens: bool,
    /// fsync every commit (`full`) or only survive process crashes (`normal`).
    #[arg(long, value_enum, default_value_t = Durability::Normal)]
    pub durability: Durability,
}

impl TokenArgs {
    pub fn options(&self) -> PlatformOptions {
        PlatformOptions {
            access_token_ttl: self.access_token_ttl,
            refresh_token_ttl: self.refresh_token_ttl,
            code_ttl: self.code_ttl,
            rotate_refresh_tokens: self.rotate_refresh_tokens,
            durability: self.durability,
            ..PlatformOptions::default()
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum AppCommand {
    /// Register an app (an existing client key is left unchanged) and print its credentials.
    Add {
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        client_key: String,
        /// Generated when omitted.
        #[arg(long)]
        client_secret: Option<String>,
        /// A Login Kit redirect URI (repeatable; https, or http on loopback).
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// Developer account; apps of one developer share union_ids.
        #[arg(long)]
        developer: Option<String>,
        /// Webhook callback URL for server notifications.
        #[arg(long = "webhook", value_name = "URL")]
        webhook_url: Option<String>,
        /// A scope the app may request (repeatable) [default: all user.info.* scopes].
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// List registered apps with their credentials.
    List {
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Bind (the default for every app) or unbind an app's BytePlus account; an unbound app's
    /// dramas do not play.
    Byteplus {
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        client_key: String,
        #[arg(long)]
        unbind: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a test user.
    Add {
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// http(s) URL or data:image/ URI [default: a generated avatar].
        #[arg(long)]
        avatar_url: Option<String>,
        #[arg(long)]
        bio: Option<String>,
        #[arg(long)]
        verified: bool,
        #[arg(long, default_value_t = 0)]
        followers: i64,
        #[arg(long, default_value_t = 0)]
        following: i64,
        #[arg(long, default_value_t = 0)]
        likes: i64,
        #[arg(long, default_value_t = 0)]
        videos: i64,
        /// TikTok Beans balance.
        #[arg(long, default_value_t = 0)]
        beans: i64,
    },
    /// List test users.
    List {
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Set a user's Beans balance (recorded in the Beans ledger).
    Beans {
        #[arg(long, env = "MINIHOST_DATA_DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        username: String,
        /// The new balance.
        #[arg(long, value_name = "N")]
        set: i64,
    },
}

fn open(data_dir: Option<PathBuf>) -> Result<Platform, PlatformError> {
    Platform::open(&data_dir.unwrap_or_else(default_data_dir), PlatformOptions::default())
}

/// Runs a `minihost platform` subcommand, printing its results on stdout.
pub async fn run(cmd: PlatformCommand) -> Result<(), PlatformError> {
    match cmd {
        PlatformCommand::Serve {
            addr,
            data_dir,
            in_memory,
            allow_remote,
            media_dir,
            tokens,
        } => {
            if !allow_remote && !minihost_platform_api::loopback::is_loopback_ip(addr.ip()) {
                return Err(PlatformError::invalid(
                    "addr",
                    format!("{addr} is not a loopback address; pass --allow-remote to accept hosts from other machines"),
                ));
            }
            let opts = PlatformOptions {
                media_dir,
                ..tokens.options()
            };
            let platform = if in_memory {
                Platform::in_memory(opts)?
            } else {
                Platform::open(&data_dir.unwrap_or_else(default_data_dir), opts)?
            };
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| PlatformError::Io {
                context: format!("cannot listen on {addr}"),
                source,
            })?;
            let local = listener.local_addr().map_err(|source| PlatformError::Io {
                context: "cannot read the listening address".into(),
                source,
            })?;
            println!("platform listening on http://{local}");
            match platform.data_dir() {
                Some(dir) => println!("data dir: {}", dir.display()),
                None => println!("data dir: none (in memory)"),
            }
            let usernames: Vec<String> = platform.users()?.into_iter().map(|u| u.username).collect();
            println!("test users: {}", usernames.join(", "));
            if allow_remote {
                println!("pairing token for hosts on other machines: {}", platform.allow_remote_pairing());
            }
            tracing::info!(%local, "platform emulator started");
            let shutdown = async {
                // If the signal handler cannot be installed, run until killed.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            serve_with_shutdown(listener, platform, shutdown)
                .await
                .map_err(|source| PlatformError::Io {
                    context: "platform server failed".into(),
                    source,
                })
        }
        PlatformCommand::App(AppCommand::Add {
            data_dir,
            client_key,
            client_secret,
            redirect_uris,
            developer,
            webhook_url,
            scopes,
        }) => {
            let platform = open(data_dir)?;
            let (app, created) = platform.ensure_app(NewApp {
                client_key,
                client_secret,
                redirect_uris,
                developer,
                webhook_url,
                allowed_scopes: (!scopes.is_empty()).then_some(scopes),
            })?;
            if created {
                println!("registered app {}", app.client_key);
            } else {
                println!("app {} was already registered; left unchanged", app.client_key);
            }
            println!("client_key: {}", app.client_key);
            println!("client_secret: {}", app.client_secret);
            Ok(())
        }
        PlatformCommand::App(AppCommand::List { data_dir }) => {
            for app in open(data_dir)?.apps()? {
                println!(
                    "{}\tsecret={}\tdeveloper={}\tscopes={}\tredirect_uris={}",
                    app.client_key,
                    app.client_secret,
                    app.developer,
                    app.allowed_scopes.join(","),
                    app.redirect_uris.join(",")
                );
            }
            Ok(())
        }
        PlatformCommand::App(AppCommand::Byteplus {
            data_dir,
            client_key,
            unbind,
        }) => {
            let bound = open(data_dir)?.set_byteplus_binding(&client_key, !unbind).wait()?;
            println!("app {client_key}: BytePlus {}", if bound { "bound" } else { "unbound" });
            Ok(())
        }
        PlatformCommand::Drama(DramaCommand::Review {
            data_dir,
            album_id,
            version,
            approve,
            reasons,
            ..
        }) => {
            let decision = if approve { ReviewDecision::Approve } else { ReviewDecision::Reject };
            let status = open(data_dir)?.decide_review(album_id, version, decision, reasons).wait()?;
            println!("album {album_id} version {version}: review_status {status}");
            Ok(())
        }
        PlatformCommand::Drama(DramaCommand::Import { dir, client_key, data_dir }) => {
            let imported = import_dir(&open(data_dir)?, &dir, &client_key).await?;
            println!("{}", serde_json::to_string_pretty(&imported).unwrap_or_default());
            Ok(())
        }
        PlatformCommand::User(UserCommand::Add {
            data_dir,
            username,
            display_name,
            avatar_url,
            bio,
            verified,
            followers,
            following,
            likes,
            videos,
            beans,
        }) => {
            let user = open(data_dir)?
                .add_user(NewUser {
                    username,
                    display_name,
                    avatar_url,
                    bio,
                    verified,
                    follower_count: followers,
                    following_count: following,
                    likes_count: likes,
                    video_count: videos,
                    beans,
                })
                .wait()?;
            println!("created user {} (id {}, {} Beans)", user.username, user.id, user.beans);
            Ok(())
        }
        PlatformCommand::User(UserCommand::Beans { data_dir, username, set }) => {
            let platform = open(data_dir)?;
            let user = platform
                .user_by_username(&username)?
                .ok_or_else(|| PlatformError::not_found("user", &username))?;
            let (balance, delta) = platform.set_beans(user.id, set).wait()?;
            println!("{} has {} Beans ({delta:+})", user.username, balance.beans);
            Ok(())
        }
        PlatformCommand::User(UserCommand::List { data_dir }) => {
            for user in open(data_dir)?.users()? {
                println!(
                    "{}\t@{}\t{}\tbeans={}{}",
                    user.id,
                    user.username,
                    user.display_name,
                    user.beans,
                    if user.verified { "\tverified" } else { "" }
                );
            }
            Ok(())
        }
    }
}

/// `drama import`: the regular files of `dir`, sorted by name, as one drama.
pub async fn import_dir(platform: &Platform, dir: &Path, client_key: &str) -> Result<ImportedDrama, PlatformError> {
    let io = |source| PlatformError::Io {
        context: format!("cannot read {}", dir.display()),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() {
            files.push(path.canonicalize().map_err(io)?);
        }
    }
    files.sort();
    platform.import_drama(client_key, files).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: PlatformCommand,
    }

    #[test]
    fn serve_defaults_and_flags_parse() {
        let cli = Cli::try_parse_from(["platform", "serve"]).unwrap();
        let PlatformCommand::Serve {
            addr, in_memory, tokens, ..
        } = cli.cmd
        else {
            panic!("not serve")
        };
        assert_eq!(addr.to_string(), "127.0.0.1:8787");
        assert!(!in_memory);
        assert_eq!(tokens.options(), PlatformOptions::default());

        let cli = Cli::try_parse_from([
            "platform",
            "serve",
            "--in-memory",
            "--access-token-ttl",
            "7200",
            "--refresh-token-ttl",
            "15552000",
            "--rotate-refresh-tokens",
            "--durability",
            "full",
        ])
        .unwrap();
        let PlatformCommand::Serve { tokens, .. } = cli.cmd else {
            panic!("not serve")
        };
        let opts = tokens.options();
        assert_eq!((opts.access_token_ttl, opts.refresh_token_ttl), (7_200, 15_552_000));
        assert!(opts.rotate_refresh_tokens);
        assert_eq!(opts.durability, Durability::Full);
        assert!(Cli::try_parse_from(["platform", "serve", "--in-memory", "--data-dir", "/x"]).is_err());
    }

    #[test]
    fn app_add_takes_repeated_redirect_uris() {
        let cli = Cli::try_parse_from([
            "platform",
            "app",
            "add",
            "--client-key",
            "k",
            "--redirect-uri",
            "https://a.com/1",
            "--redirect-uri",
            "https://a.com/2",
            "--developer",
            "d",
            "--webhook",
            "https://a.com/hook",
        ])
        .unwrap();
        let PlatformCommand::App(AppCommand::Add {
            redirect_uris,
            developer,
            webhook_url,
            ..
        }) = cli.cmd
        else {
            panic!("not app add")
        };
        assert_eq!(redirect_uris.len(), 2);
        assert_eq!(developer.as_deref(), Some("d"));
        assert_eq!(webhook_url.as_deref(), Some("https://a.com/hook"));
    }

    #[test]
    fn user_beans_sets_a_balance() {
        let cli = Cli::try_parse_from(["platform", "user", "beans", "--username", "bob", "--set", "900"]).unwrap();
        let PlatformCommand::User(UserCommand::Beans { username, set, .. }) = cli.cmd else {
            panic!("not user beans")
        };
        assert_eq!((username.as_str(), set), ("bob", 900));
    }
}
