//! Headless Chromium for the browser tests: the real server on a local port (SQLite, demo
//! county), chromedriver, and the few steps every test takes.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use yiyang_store::Store;

pub struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn which(cmd: &str) -> Option<String> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| format!("{d}/{cmd}"))
        .find(|p| std::path::Path::new(p).exists())
}

/// Starts the app (SQLite, demo county) and chromedriver; `None` when the browser is absent
/// and not required.
pub async fn setup() -> Option<(String, Client, Driver, tempfile::TempDir)> {
    let Some(chromedriver) = which("chromedriver") else {
        if std::env::var("YIYANG_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "YIYANG_REQUIRE_BROWSER=1 but chromedriver is not installed (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!("skipping browser test: chromedriver not installed");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("b.db").display()))
        .await
        .unwrap();
    store.load_demo(80, &crate::common::actor()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(yiyang_web::serve_on(yiyang_web::AppState::new(store), listener));

    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = dir.path().join("profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": which("chromium").unwrap_or_else(|| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--window-size=1024,900", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let mut last_err = String::new();
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return Some((base, c, driver, dir)),
            Err(e) => {
                last_err = e.to_string();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not start a WebDriver session: {last_err}");
}

pub async fn submit_login(c: &Client, base: &str, user: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    type_into(c, "username", user).await;
    type_into(c, "password", password).await;
    click(c, "login-submit").await;
}

pub async fn login(c: &Client, base: &str, user: &str) {
    submit_login(c, base, user, crate::common::PASSWORD).await;
    c.wait().for_element(Locator::Css("nav.main")).await.unwrap();
}

pub async fn type_into(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
}

pub async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id)).await.unwrap().click().await.unwrap();
}

/// Saves what the browser shows under the target folder, and also in `$YIYANG_SCREENSHOT_DIR`
/// when that is set (how `docs/screenshots` is made: see the README).
pub async fn screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.png")), &png);
        if let Some(docs) = std::env::var_os("YIYANG_SCREENSHOT_DIR") {
            let _ = std::fs::create_dir_all(&docs);
            let _ = std::fs::write(std::path::Path::new(&docs).join(format!("{name}.png")), &png);
        }
    }
}

/// Fails when the page is wider than the window (a phone would scroll sideways).
pub async fn fits_the_window(c: &Client) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        v[0].as_i64().unwrap() <= v[1].as_i64().unwrap(),
        "wider than the window: {v:?}"
    );
}

pub async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.unwrap().len()
}

/// The text of the element with this id.
pub async fn text_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
}

/// The text of the element with this id, once it appears (after a form is sent).
pub async fn wait_text(c: &Client, id: &str) -> String {
    match c.wait().for_element(Locator::Id(id)).await {
        Ok(e) => e.text().await.unwrap(),
        Err(e) => {
            let page = c
                .execute(
                    "return location.href + '\\n' + document.body.innerText.slice(0, 1500);",
                    vec![],
                )
                .await
                .unwrap_or_default();
            panic!("#{id} did not appear ({e}); the page: {page}")
        }
    }
}
