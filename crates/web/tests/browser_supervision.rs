//! An inspector does one inspection on a tablet (768 × 1024, portrait) in headless Chromium:
//! opens the task from the overview, answers every checklist item with a tap, describes the
//! problem found, and signs; the second inspector confirms. Nothing on the way is wider than
//! the screen.

mod common;
mod driver;

use driver::*;
use fantoccini::{Client, Locator};

async fn open_pending_task(c: &Client, base: &str) {
    c.goto(&format!("{base}/supervision")).await.unwrap();
    fits_the_window(c).await;
    c.find(Locator::LinkText("会昌县中心敬老院"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("inspection-status")).await.unwrap();
}

#[tokio::test]
async fn an_inspector_records_an_inspection_on_a_tablet_and_the_second_confirms_it() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(768, 1024).await.unwrap();
    // The demo leaves 中心敬老院 to jiancha2 (李红梅) and jiancha3 (王志刚).
    login(&c, &base, "jiancha2").await;
    let todo = text_of(&c, "todo").await;
    assert!(todo.contains("待我检查或确认"), "{todo}");
    open_pending_task(&c, &base).await;
    assert_eq!(text_of(&c, "inspection-status").await, "待检查");
    fits_the_window(&c).await;

    c.find(Locator::Css("input[name=responsible]"))
        .await
        .unwrap()
        .send_keys("院长 钟国平")
        .await
        .unwrap();
    let fieldsets = c.find_all(Locator::Css("#record-form fieldset")).await.unwrap();
    assert!(fieldsets.len() >= 4, "the batch's checklist");
    for (k, fs) in fieldsets.iter().enumerate() {
        let choice = if k == 0 { "serious" } else { "pass" };
        // Tap the whole label, as a finger does.
        fs.find(Locator::Css(&format!("input[value={choice}]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        if k == 0 {
            fs.find(Locator::Css("textarea"))
                .await
                .unwrap()
                .send_keys("消防控制室无人值守")
                .await
                .unwrap();
        }
    }
    screenshot(&c, "inspection-tablet").await;
    click(&c, "record-submit").await;
    let msg = wait_text(&c, "message").await;
    assert!(msg.contains("待另一名检查人员确认"), "{msg}");
    assert_eq!(text_of(&c, "inspection-status").await, "待第二人确认");
    assert!(
        c.find(Locator::Id("confirm-form")).await.is_err(),
        "the recorder cannot confirm"
    );

    c.find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("username")).await.unwrap();
    login(&c, &base, "jiancha3").await;
    open_pending_task(&c, &base).await;
    let findings = text_of(&c, "findings").await;
    assert!(
        findings.contains("消防控制室无人值守") && findings.contains("较大问题"),
        "{findings}"
    );
    c.find(Locator::Css("#confirm-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let msg = wait_text(&c, "message").await;
    assert!(msg.contains("1 个问题已列入隐患清单"), "{msg}");
    let hazards = c
        .find(Locator::Id("inspection-hazards"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(hazards.contains("消防安全") && hazards.contains("整改中"), "{hazards}");
    fits_the_window(&c).await;
    screenshot(&c, "inspection-confirmed").await;
    c.close().await.unwrap();
}
