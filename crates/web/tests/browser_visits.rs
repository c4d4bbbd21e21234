//! A visitor records a visit on a 390 px phone in headless Chromium: the list of their people,
//! the form, a danger sign with its follow-up, back on the list with the follow-up waiting.

mod common;
mod driver;

use driver::*;
use fantoccini::Locator;

#[tokio::test]
async fn a_visitor_records_a_visit_on_a_phone() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(390, 844).await.unwrap();
    login(&c, &base, "tanfang").await;
    c.goto(&format!("{base}/visits")).await.unwrap();
    c.find(Locator::Css("#my-people a.button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("visit-form")).await.unwrap();
    type_into(&c, "health", "腿脚不便，能自理").await;
    type_into(&c, "living", "独居，屋内潮湿").await;
    type_into(&c, "needs", "需要助餐").await;
    click(&c, "condition-attention").await;
    click(&c, "follow-service").await;
    screenshot(&c, "visit-phone").await;
    fits_the_window(&c).await;
    click(&c, "visit-submit").await;
    let msg = wait_text(&c, "message").await;
    assert!(msg.contains("探访已记录"), "{msg}");
    let follow_ups = text_of(&c, "follow-ups").await;
    assert!(
        follow_ups.contains("安排上门服务") && follow_ups.contains("需要助餐"),
        "{follow_ups}"
    );
    c.close().await.unwrap();
}
