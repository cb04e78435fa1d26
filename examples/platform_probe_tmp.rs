use minihost::platform::*;
use std::time::Instant;
fn main() {
    let dir = tempfile::tempdir_in("/tmp").unwrap();
    for durability in [Durability::Normal, Durability::Full] {
        let p = Platform::open(dir.path(), PlatformOptions { durability, ..Default::default() }).unwrap();
        let (app, _) = p.ensure_app(NewApp { client_key: "k".into(), ..Default::default() }).unwrap();
        let users = p.users().unwrap();
        let n = 20000;
        let t = Instant::now();
        let codes: Vec<String> = (0..n).map(|i| p.mint_code(CodeRequest { client_key: "k".into(), user_id: users[i % users.len()].id, scopes: vec![USER_INFO_BASIC.into()], ..Default::default() }).unwrap()).collect();
        println!("{durability:?} mint: {:.0}/s", n as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut toks = vec![];
        for c in &codes { toks.push(p.exchange_code(CodeExchange { client_key: "k", client_secret: &app.client_secret, code: c, redirect_uri: None, code_verifier: None }).unwrap().access_token); }
        println!("{durability:?} exchange: {:.0}/s", n as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        for tk in &toks { p.resolve_access_token(tk).unwrap().unwrap(); }
        println!("{durability:?} resolve: {:.0}/s", n as f64 / t.elapsed().as_secs_f64());
    }
}
