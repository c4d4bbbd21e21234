//! The duty desk on a 768 px tablet in headless Chromium: a device's call (over HTTP, sent from
//! the test) appears at the top of the desk's list within a second without reloading the page,
//! marked as this officer's to answer; the officer opens it and answers it.

mod common;
mod driver;

use std::time::{Duration, Instant};

use driver::*;
use fantoccini::Locator;

#[tokio::test]
async fn a_call_appears_on_the_desk_within_a_second_and_is_answered() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(768, 1024).await.unwrap();
    login(&c, &base, "wenwuba").await;
    c.goto(&format!("{base}/sos")).await.unwrap();
    c.wait().for_element(Locator::Id("calls")).await.unwrap();
    // Let the page open its event stream.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = count(&c, "#calls tbody tr.open-row").await;
    // The demo's fall detector calls, as a device would (HTTP Basic with its id and secret).
    let sent = Instant::now();
    let status = c
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch('/api/v1/sos', {method: 'POST', credentials: 'omit',
               headers: {'Authorization': 'Basic ' + btoa('demo-fall-2:demo-fall-secret'), 'Content-Type': 'application/json'},
               body: JSON.stringify({kind: 'fall'})}).then(function (r) { done(r.status); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status.as_i64(), Some(201), "{status:?}");
    let deadline = sent + Duration::from_secs(1);
    loop {
        if count(&c, "#calls tbody tr.open-row").await > before {
            break;
        }
        assert!(Instant::now() < deadline, "the call did not appear within a second");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let top = c
        .find(Locator::Css("#calls tbody tr"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(top.contains("跌倒报警") && top.contains("请您接警"), "{top}");
    screenshot(&c, "sos-desk-tablet").await;
    fits_the_window(&c).await;
    c.find(Locator::Css("#calls tbody tr a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("acknowledge")).await.unwrap();
    click(&c, "acknowledge").await;
    let msg = wait_text(&c, "message").await;
    assert!(msg.contains("已接警"), "{msg}");
    assert!(text_of(&c, "status").await.contains("已接警"));
    c.close().await.unwrap();
}
