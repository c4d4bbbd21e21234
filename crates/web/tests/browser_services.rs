//! Home services in headless Chromium on a 390 px phone: a family orders for a parent (the
//! government's share shown before and after), and the worker checks in and out with the
//! phone's real position (set through the browser's own geolocation, not a stub in the page);
//! the provider states its side of a complaint (情况说明) from the same phone.

mod common;
mod driver;

use driver::*;
use fantoccini::{Client, Locator};

/// A Chrome DevTools command through chromedriver.
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(serde_json::json!({"cmd": self.0, "params": self.1}).to_string()),
        )
    }
}

/// The phone is at (lat, lon) and the page may ask for it.
async fn place_phone(c: &Client, base: &str, lat: f64, lon: f64) {
    c.issue_cmd(Cdp(
        "Browser.grantPermissions",
        serde_json::json!({"permissions": ["geolocation"], "origin": base}),
    ))
    .await
    .unwrap();
    c.issue_cmd(Cdp(
        "Emulation.setGeolocationOverride",
        serde_json::json!({"latitude": lat, "longitude": lon, "accuracy": 10}),
    ))
    .await
    .unwrap();
}

/// The flash message once it says `what` (the page before the form was sent may still show
/// the previous one).
async fn message_saying(c: &Client, what: &str) -> String {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Id("message")).await {
            if let Ok(t) = e.text().await {
                if t.contains(what) {
                    return t;
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no message saying {what}");
}

#[tokio::test]
async fn a_family_orders_for_a_parent_on_a_phone() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(390, 844).await.unwrap();
    submit_login(&c, &base, yiyang_store::services::DEMO_FAMILY, common::PASSWORD).await;
    c.wait().for_element(Locator::Id("parents")).await.unwrap();
    fits_the_window(&c).await;
    c.find(Locator::Css("#parents a.button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("order-form")).await.unwrap();
    fits_the_window(&c).await;
    // The first service the government buys for this parent.
    c.find(Locator::XPath(
        "//label[contains(@class,'choice')][.//span[contains(@class,'gov')]]//input",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    screenshot(&c, "family-order-phone").await;
    click(&c, "place-order").await;
    message_saying(&c, "已下单").await;
    let status = text_of(&c, "order-status").await;
    assert!(status.contains("待接单"), "{status}");
    let gov = text_of(&c, "gov-share").await;
    assert!(
        gov.starts_with('¥') && !gov.starts_with("¥0.00"),
        "the government pays: {gov}"
    );
    // Cancelled in good time from the same page.
    click(&c, "cancel").await;
    message_saying(&c, "订单已取消").await;
    let status = text_of(&c, "order-status").await;
    assert!(status.contains("已取消"), "{status}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_worker_checks_in_and_out_with_the_phone_s_position() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(390, 844).await.unwrap();
    // The demo's first parent lives at (25.6006, 115.7869); the worker stands 35 m away.
    place_phone(&c, &base, 25.6009, 115.7870).await;
    login(&c, &base, "hugong").await;
    c.goto(&format!("{base}/services/work")).await.unwrap();
    fits_the_window(&c).await;
    let button = c
        .find(Locator::Css("form[action$='/worker/check-in'] button"))
        .await
        .unwrap();
    let id = button.attr("id").await.unwrap().unwrap();
    let order = id.trim_start_matches("check-in-").to_string();
    button.click().await.unwrap();
    let msg = message_saying(&c, "已签到").await;
    assert!(msg.contains("米") && !msg.contains("超出"), "{msg}");
    type_into(&c, &format!("items-{order}"), "测量血压，协助翻身").await;
    screenshot(&c, "worker-check-out-phone").await;
    click(&c, &format!("check-out-{order}")).await;
    let msg = message_saying(&c, "已签退").await;
    assert!(!msg.contains("超出"), "{msg}");
    // The visit already in service is checked out 2 km from its home: recorded and flagged.
    place_phone(&c, &base, 25.6200, 115.7869).await;
    let form = c.find(Locator::Css("form[action$='/worker/check-out']")).await.unwrap();
    form.find(Locator::Css("textarea"))
        .await
        .unwrap()
        .send_keys("打扫卫生")
        .await
        .unwrap();
    form.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    let msg = message_saying(&c, "超出").await;
    assert!(msg.contains("已签退"), "{msg}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_provider_states_its_side_of_a_complaint_on_a_phone() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(390, 844).await.unwrap();
    login(&c, &base, "fuwu").await;
    c.goto(&format!("{base}/services/providers")).await.unwrap();
    let own = c
        .execute(
            "var a = Array.from(document.querySelectorAll('a[href^=\"/services/providers/\"]'))
                 .find(function (a) { return /^\\/services\\/providers\\/\\d+$/.test(a.getAttribute('href')); });
             return a ? a.getAttribute('href') : '';",
            vec![],
        )
        .await
        .unwrap();
    let own = own.as_str().unwrap().to_string();
    assert!(!own.is_empty(), "a link to the provider's own page");
    c.goto(&format!("{base}{own}")).await.unwrap();
    c.wait().for_element(Locator::Id("complaints")).await.unwrap();
    fits_the_window(&c).await;
    // The row links to the form below the table, which is as wide as the phone.
    c.find(Locator::Css("#complaints a[href^='#explain-']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let said = "当天助浴员临时生病，未及时通知家属，已上门致歉并补做";
    c.find(Locator::Css("form[id^='explain-'] textarea"))
        .await
        .unwrap()
        .send_keys(said)
        .await
        .unwrap();
    fits_the_window(&c).await;
    screenshot(&c, "provider-complaint-phone").await;
    c.find(Locator::Css("form[id^='explain-'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    message_saying(&c, "情况说明已提交").await;
    let table = text_of(&c, "complaints").await;
    assert!(table.contains(&format!("情况说明：{said}")), "{table}");
    assert_eq!(count(&c, "form[id^='explain-']").await, 0, "once");
    c.close().await.unwrap();
}
