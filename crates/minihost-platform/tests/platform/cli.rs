//! `minihost platform app|user add` against the data dir of a running server: the server sees
//! the additions at once, and a bad invocation adds nothing.

use minihost_platform::cli::{self, AppCommand, PlatformCommand, UserCommand};
use minihost_platform::{PlatformOptions, USER_INFO_BASIC};
use reqwest::StatusCode;

use crate::support::{data_dir, minis_code, Server, REDIRECT};

#[tokio::test]
async fn cli_additions_are_seen_by_a_running_server_on_the_same_data_dir() {
    let dir = data_dir();
    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    cli::run(PlatformCommand::App(AppCommand::Add {
        data_dir: Some(dir.path().to_path_buf()),
        client_key: "awfromcli".into(),
        client_secret: Some("cli-secret-123".into()),
        redirect_uris: vec![REDIRECT.into()],
        developer: Some("studio-cli".into()),
        webhook_url: Some("https://drama.example.com/hooks/tiktok".into()),
        scopes: vec![],
    }))
    .await
    .unwrap();
    cli::run(PlatformCommand::User(UserCommand::Add {
        data_dir: Some(dir.path().to_path_buf()),
        username: "gina".into(),
        display_name: Some("Gina From CLI".into()),
        avatar_url: None,
        bio: None,
        verified: false,
        followers: 1,
        following: 2,
        likes: 3,
        videos: 4,
        beans: 5,
    }))
    .await
    .unwrap();

    let creds = server
        .token(&[
            ("client_key", "awfromcli"),
            ("client_secret", "cli-secret-123"),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!(creds.status, StatusCode::OK, "{}", creds.text);
    let app = server.platform.app("awfromcli").unwrap().unwrap();
    assert_eq!(app.developer, "studio-cli");
    assert_eq!(app.webhook_url.as_deref(), Some("https://drama.example.com/hooks/tiktok"));
    let code = minis_code(&server, "awfromcli", "gina", &[USER_INFO_BASIC]);
    let tokens = server.exchange(&app, &code).await;
    let info = server.user_info(&tokens.str("/access_token"), "display_name").await;
    assert_eq!(info.str("/data/user/display_name"), "Gina From CLI");

    // A bad CLI invocation fails with an error naming the field, adding nothing.
    let err = cli::run(PlatformCommand::User(UserCommand::Add {
        data_dir: Some(dir.path().to_path_buf()),
        username: "bad name".into(),
        display_name: None,
        avatar_url: None,
        bio: None,
        verified: false,
        followers: 0,
        following: 0,
        likes: 0,
        videos: 0,
        beans: 0,
    }))
    .await
    .unwrap_err();
    assert!(err.to_string().contains("username"), "{err}");
}
