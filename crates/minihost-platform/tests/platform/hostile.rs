//! Hostile input, as a table: malformed, mistyped, oversized and misrouted requests to the
//! token endpoint, the admin API, v1 user info and the router each get a clear 4xx, and leave
//! the platform's state as it was.

use minihost_platform::{NewApp, PlatformOptions, USER_INFO_OPEN_ID};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{minis_code, Reply, Server};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
const JSON: Option<&str> = Some("application/json");
/// The secret of the `awminidrama` app the cases run against (the 60 KB code case spells it).
const SECRET: &str = "hostile-secret";

enum Body {
    Empty,
    Bytes(&'static [u8]),
    /// `prefix`, then `byte` `count` times, then `suffix`.
    Repeat {
        prefix: &'static str,
        byte: u8,
        count: usize,
        suffix: &'static str,
    },
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Empty => Vec::new(),
            Body::Bytes(b) => b.to_vec(),
            Body::Repeat {
                prefix,
                byte,
                count,
                suffix,
            } => [prefix.as_bytes(), &vec![*byte; *count], suffix.as_bytes()].concat(),
        }
    }
}

/// What the answer must look like besides its status.
enum Answer {
    /// A flat `{error, error_description, log_id}` body with this `field` (`None`: no field),
    /// whose description is not empty and mentions `mentions`.
    Flat {
        error: &'static str,
        field: Option<&'static str>,
        mentions: &'static str,
    },
    /// A v1 `{data, error: {code}}` body with a nonzero code.
    V1,
    /// An HTML error page that mentions `mentions` and shows the log id.
    Page { mentions: &'static str },
}

struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Body,
    status: StatusCode,
    answer: Answer,
}

const fn flat(error: &'static str, field: Option<&'static str>, mentions: &'static str) -> Answer {
    Answer::Flat { error, field, mentions }
}

const TOKEN: &str = "/v2/oauth/token/";
const ADMIN_USERS: &str = "/__admin/users";
const V1_USER_INFO: &str = "/user/info/";

const CASES: &[Case] = &[
    Case {
        name: "token: empty form",
        method: Method::POST,
        path: TOKEN,
        content_type: FORM,
        body: Body::Empty,
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", None, "grant_type"),
    },
    Case {
        name: "token: no client_secret",
        method: Method::POST,
        path: TOKEN,
        content_type: FORM,
        body: Body::Bytes(b"grant_type=client_credentials&client_key=awminidrama"),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", None, "client_secret"),
    },
    Case {
        name: "token: client_key given twice",
        method: Method::POST,
        path: TOKEN,
        content_type: FORM,
        body: Body::Bytes(b"grant_type=client_credentials&client_key=a&client_key=b&client_secret=x"),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", None, "client_key"),
    },
    Case {
        name: "token: password grant",
        method: Method::POST,
        path: TOKEN,
        content_type: FORM,
        body: Body::Bytes(b"grant_type=password&client_key=a&client_secret=b"),
        status: StatusCode::BAD_REQUEST,
        answer: flat("unsupported_grant_type", None, ""),
    },
    Case {
        name: "token: JSON body",
        method: Method::POST,
        path: TOKEN,
        content_type: JSON,
        body: Body::Bytes(br#"{"grant_type":"client_credentials"}"#),
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        answer: flat("invalid_request", None, "Content-Type"),
    },
    Case {
        name: "token: binary form",
        method: Method::POST,
        path: TOKEN,
        content_type: FORM,
        body: Body::Bytes(&[0xff, 0xfe, b'=', 0x00, b'&', b'%', b'Z']),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", None, ""),
    },
    Case {
        name: "token: 200 KiB body",
        method: Method::POST,
        path: TOKEN,
        content_type: FORM,
        body: Body::Repeat {
            prefix: "",
            byte: b'a',
            count: 200 * 1024,
            suffix: "",
        },
        status: StatusCode::PAYLOAD_TOO_LARGE,
        answer: flat("invalid_request", None, "exceeds"),
    },
    Case {
        name: "token: 60 KB code",
        method: Method::POST,
        path: TOKEN,
        content_type: FORM,
        body: Body::Repeat {
            prefix: "grant_type=authorization_code&client_key=awminidrama&client_secret=hostile-secret&code=",
            byte: b'c',
            count: 60_000,
            suffix: "",
        },
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_grant", None, ""),
    },
    Case {
        name: "admin: malformed JSON",
        method: Method::POST,
        path: ADMIN_USERS,
        content_type: JSON,
        body: Body::Bytes(b"{"),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", None, "JSON"),
    },
    Case {
        name: "admin: username is a number",
        method: Method::POST,
        path: ADMIN_USERS,
        content_type: JSON,
        body: Body::Bytes(br#"{"username": 5}"#),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", Some("username"), "username"),
    },
    Case {
        name: "admin: unknown member",
        method: Method::POST,
        path: ADMIN_USERS,
        content_type: JSON,
        body: Body::Bytes(br#"{"username": "zed", "color": "red"}"#),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", Some("color"), "color"),
    },
    Case {
        name: "admin: array body",
        method: Method::POST,
        path: ADMIN_USERS,
        content_type: JSON,
        body: Body::Bytes(br#"["zed"]"#),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", None, "the body must be a JSON object"),
    },
    Case {
        name: "admin: form body",
        method: Method::POST,
        path: ADMIN_USERS,
        content_type: FORM,
        body: Body::Bytes(b"username=zed"),
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        answer: flat("invalid_request", None, "application/json"),
    },
    Case {
        name: "admin: 100 KB username",
        method: Method::POST,
        path: ADMIN_USERS,
        content_type: JSON,
        body: Body::Repeat {
            prefix: r#"{"username":""#,
            byte: b'z',
            count: 100_000,
            suffix: r#""}"#,
        },
        status: StatusCode::PAYLOAD_TOO_LARGE,
        answer: flat("invalid_request", None, "exceeds"),
    },
    Case {
        name: "admin: negative clock advance",
        method: Method::POST,
        path: "/__admin/clock/advance",
        content_type: JSON,
        body: Body::Bytes(br#"{"seconds": -5}"#),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", Some("seconds"), "seconds"),
    },
    Case {
        name: "admin: beans as text",
        method: Method::POST,
        path: ADMIN_USERS,
        content_type: JSON,
        body: Body::Bytes(br#"{"username": "zed", "beans": "lots"}"#),
        status: StatusCode::BAD_REQUEST,
        answer: flat("invalid_request", Some("beans"), "beans"),
    },
    Case {
        name: "v1 user info: array body",
        method: Method::POST,
        path: V1_USER_INFO,
        content_type: JSON,
        body: Body::Bytes(b"[]"),
        status: StatusCode::BAD_REQUEST,
        answer: Answer::V1,
    },
    Case {
        name: "v1 user info: not JSON",
        method: Method::POST,
        path: V1_USER_INFO,
        content_type: JSON,
        body: Body::Bytes(b"nope"),
        status: StatusCode::BAD_REQUEST,
        answer: Answer::V1,
    },
    Case {
        name: "v1 user info: access_token is a number",
        method: Method::POST,
        path: V1_USER_INFO,
        content_type: JSON,
        body: Body::Bytes(br#"{"access_token": 1}"#),
        status: StatusCode::BAD_REQUEST,
        answer: Answer::V1,
    },
    Case {
        name: "v1 user info: junk token and fields",
        method: Method::POST,
        path: V1_USER_INFO,
        content_type: JSON,
        body: Body::Bytes(br#"{"access_token":"a","open_id":"b","fields":"x"}"#),
        status: StatusCode::BAD_REQUEST,
        answer: Answer::V1,
    },
    Case {
        name: "router: unknown path",
        method: Method::GET,
        path: "/v3/whatever",
        content_type: None,
        body: Body::Empty,
        status: StatusCode::NOT_FOUND,
        answer: flat("not_found", None, "/v3/whatever"),
    },
    Case {
        name: "router: GET on the token endpoint",
        method: Method::GET,
        path: TOKEN,
        content_type: None,
        body: Body::Empty,
        status: StatusCode::METHOD_NOT_ALLOWED,
        answer: flat("method_not_allowed", None, "GET"),
    },
    Case {
        name: "authorize: no parameters",
        method: Method::GET,
        path: "/v2/auth/authorize/",
        content_type: None,
        body: Body::Empty,
        status: StatusCode::BAD_REQUEST,
        answer: Answer::Page {
            mentions: "client_key is required",
        },
    },
];

async fn run(server: &Server, case: &Case) -> Result<(), String> {
    let mut request = server.http.request(case.method.clone(), server.url(case.path));
    if let Some(content_type) = case.content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.body(case.body.bytes()).send().await.map_err(|e| e.to_string())?;
    let reply = Reply::try_read(response).await?;
    if reply.status != case.status {
        return Err(format!("status {} instead of {}: {}", reply.status, case.status, reply.text));
    }
    match case.answer {
        Answer::Flat { error, field, mentions } => {
            let body: Value = serde_json::from_str(&reply.text).map_err(|e| format!("not JSON ({e}): {}", reply.text))?;
            let description = body["error_description"].as_str().unwrap_or("");
            let checks = [
                (body["error"] == error, format!("error is not {error:?}")),
                (body["log_id"] == reply.log_id.as_str(), "log_id differs from x-tt-logid".into()),
                (!description.is_empty(), "error_description is empty".into()),
                (
                    description.contains(mentions),
                    format!("error_description does not mention {mentions:?}"),
                ),
                (
                    body.get("field").and_then(Value::as_str) == field,
                    format!("field is not {field:?}"),
                ),
            ];
            match checks.into_iter().find(|(ok, _)| !ok) {
                Some((_, why)) => Err(format!("{why}: {}", reply.text)),
                None => Ok(()),
            }
        }
        Answer::V1 => {
            let body: Value = serde_json::from_str(&reply.text).map_err(|e| format!("not JSON ({e}): {}", reply.text))?;
            match body["error"]["code"].as_i64() {
                Some(code) if code > 0 => Ok(()),
                _ => Err(format!("no nonzero v1 error code: {}", reply.text)),
            }
        }
        Answer::Page { mentions } => {
            if !reply.text.contains(mentions) {
                Err(format!("the page does not mention {mentions:?}: {}", reply.text))
            } else if !reply.text.contains(&reply.log_id) {
                Err(format!("the page does not show the log id: {}", reply.text))
            } else {
                Ok(())
            }
        }
    }
}

#[tokio::test]
async fn hostile_input_gets_clear_4xx_and_leaves_state_intact() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server
        .platform
        .ensure_app(NewApp {
            client_key: "awminidrama".into(),
            client_secret: Some(SECRET.into()),
            ..NewApp::default()
        })
        .unwrap()
        .0;
    let users_before = server.platform.users().unwrap();

    let mut failures = Vec::new();
    for case in CASES {
        if let Err(why) = run(&server, case).await {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Nothing was created or broken along the way.
    assert_eq!(server.platform.users().unwrap(), users_before);
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let ok = server.exchange(&app, &code).await;
    assert_eq!(server.user_info(&ok.str("/access_token"), "open_id").await.status, StatusCode::OK);
}
