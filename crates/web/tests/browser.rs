//! Browser tests: the real server on a local port, driven through headless Chromium by
//! WebDriver (Debian's chromium and chromium-driver). Skipped with a message when
//! chromedriver is missing, unless YIYANG_REQUIRE_BROWSER=1 (as in CI), where that fails.

mod common;
mod driver;

use std::time::Duration;

use driver::*;
use fantoccini::Locator;
#[tokio::test]
async fn a_user_logs_in_searches_opens_a_person_and_sees_an_inline_id_error() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };

    // A wrong password is answered on the page.
    submit_login(&c, &base, "huichang", "not-the-password").await;
    let err = c
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(err.contains("用户名或密码错误"), "{err}");

    login(&c, &base, "huichang").await;
    let scope = c.find(Locator::Id("scope-path")).await.unwrap().text().await.unwrap();
    assert!(scope.contains("会昌县"), "the current scope is visible: {scope}");

    // Search by a surname and open the first result.
    c.goto(&format!("{base}/people")).await.unwrap();
    let first_name = c
        .find(Locator::Css("#people tbody tr td a"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let surname: String = first_name.chars().take(1).collect();
    type_into(&c, "q", &surname).await;
    c.find(Locator::Id("search")).await.unwrap().click().await.unwrap();
    for _ in 0..100 {
        if c.current_url().await.unwrap().query().is_some_and(|q| q.contains("q=")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        c.current_url().await.unwrap().query().unwrap_or("").contains("q="),
        "the search form was submitted"
    );
    let total = c.find(Locator::Id("total")).await.unwrap().text().await.unwrap();
    assert!(total.starts_with("共 ") && !total.contains("共 0 人"), "{total}");
    let masked = c
        .find(Locator::Css("#people tbody tr td.mono"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(masked.contains("********"), "list shows masked IDs: {masked}");
    screenshot(&c, "people-list").await;
    c.find(Locator::Css("#people tbody tr td a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let id = c
        .wait()
        .for_element(Locator::Id("id-number"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(id.len(), 18, "full ID on the detail page: {id}");
    assert!(!id.contains('*'));
    screenshot(&c, "person-detail").await;

    // The new-person form: the ID is checked as soon as the field is left, and again on submit.
    c.goto(&format!("{base}/people/new")).await.unwrap();
    type_into(&c, "f-name", "钟满妹").await;
    type_into(&c, "f-id_number", "360733194503150021").await;
    click(&c, "f-phone").await;
    let inline = c.find(Locator::Id("err-id_number")).await.unwrap();
    assert!(inline.is_displayed().await.unwrap(), "inline error shown on blur");
    assert!(inline.text().await.unwrap().contains("校验码错误"));
    c.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    let server_err = c
        .wait()
        .for_element(Locator::Id("form-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(server_err.contains("标红"), "{server_err}");
    let kept = c
        .find(Locator::Id("f-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "钟满妹", "what was typed is kept");
    let msg = c
        .find(Locator::Id("err-id_number"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(msg.contains("应为"), "{msg}");
    screenshot(&c, "person-form-error").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn institution_staff_add_beds_and_change_a_bed_on_the_bed_board() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    login(&c, &base, "jigou").await;
    c.goto(&format!("{base}/institutions")).await.unwrap();
    // Staff see their own institution only, and open it.
    assert_eq!(count(&c, "#institutions tbody tr td a").await, 1);
    c.find(Locator::Css("#institutions tbody tr td a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("bed-board")).await.unwrap();
    // The demo institution has beds already; count from what is there.
    let total0 = count(&c, "#bed-board .bed").await;
    let vacant0 = count(&c, "#bed-board .bed[data-status=vacant]").await;
    let occupied0 = count(&c, "#bed-board .bed[data-status=occupied]").await;
    assert!(total0 > 0 && vacant0 > 0);

    c.find(Locator::Css("#beds-form input[name=building]"))
        .await
        .unwrap()
        .send_keys("2")
        .await
        .unwrap();
    c.find(Locator::Css("#beds-form input[name=room]"))
        .await
        .unwrap()
        .send_keys("201")
        .await
        .unwrap();
    c.find(Locator::Css("#beds-form input[name=nursing]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#beds-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "message").await;
    assert_eq!(
        count(&c, "#bed-board .bed[data-status=vacant]").await,
        vacant0 + 2,
        "two new vacant beds"
    );

    // The board has no controls: a free bed opens its own page, where its status is set.
    // 在住 is not offered there: it follows admission, never a click.
    assert_eq!(count(&c, "#bed-board select").await, 0);
    let stopped0 = count(&c, "#bed-board .bed[data-status=out_of_service]").await;
    c.find(Locator::Css("#bed-board .bed[data-status=vacant]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("status-form")).await.unwrap();
    assert_eq!(count(&c, "#status-form option[value=occupied]").await, 0);
    c.find(Locator::Id("bed-status-select"))
        .await
        .unwrap()
        .select_by_value("out_of_service")
        .await
        .unwrap();
    c.find(Locator::Css("#status-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "message").await;
    assert_eq!(
        count(&c, "#bed-board .bed[data-status=out_of_service]").await,
        stopped0 + 1
    );
    assert_eq!(count(&c, "#bed-board .bed[data-status=vacant]").await, vacant0 + 1);
    let facts = c
        .find(Locator::Id("institution-facts"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pct = occupied0 * 100 / (total0 + 2);
    assert!(facts.contains(&format!("入住率 {pct}%")), "{facts}");
}

/// The assessment form on a tablet-sized screen: one step at a time, the running score
/// following every answer, an unanswered item stopping the step, and the report at the end.
#[tokio::test]
async fn an_assessor_fills_in_the_form_step_by_step_and_gets_the_report() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(820, 1180).await.unwrap();
    login(&c, &base, "pinggu").await;
    c.goto(&format!("{base}/people")).await.unwrap();
    let href = c
        .find(Locator::Css("table.list tbody tr td a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.goto(&format!("{base}{href}/assessments/new")).await.unwrap();
    c.wait().for_element(Locator::Id("stepbar")).await.unwrap();
    // Only the first step (basic information) shows.
    assert_eq!(count(&c, "section.step:not([hidden])").await, 1);
    assert!(c
        .find(Locator::Id("step-info"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    c.find(Locator::Css("input[name=agency]"))
        .await
        .unwrap()
        .send_keys("会昌县老年人能力评估中心")
        .await
        .unwrap();
    // The second assessor is an account, chosen from a list; they confirm on their own login.
    c.find(Locator::Css("select[name=assessor2]"))
        .await
        .unwrap()
        .select_by_value("pinggu2")
        .await
        .unwrap();
    let next = c.find(Locator::Css("[data-step-next]")).await.unwrap();
    next.click().await.unwrap();
    assert!(c
        .find(Locator::Id("step-self_care"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    // Next with nothing answered stays and marks the open items.
    next.click().await.unwrap();
    assert!(c
        .find(Locator::Id("step-self_care"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    assert_eq!(count(&c, "#step-self_care fieldset.item.missing").await, 8);
    let mut expected = 0;
    for step in ["self_care", "mobility", "mental", "perception_social"] {
        let items = c
            .find_all(Locator::Css(&format!("#step-{step} fieldset.item")))
            .await
            .unwrap();
        for (i, item) in items.iter().enumerate() {
            // The highest score everywhere except the first item of each step (one below).
            let radios = item.find_all(Locator::Css("input[type=radio]")).await.unwrap();
            let pick = if i == 0 { 1 } else { 0 };
            let score: u32 = radios[pick].attr("value").await.unwrap().unwrap().parse().unwrap();
            // Bring the choice above the sticky step bar, as a finger would scroll to it.
            c.execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&radios[pick]).unwrap()],
            )
            .await
            .unwrap();
            radios[pick].click().await.unwrap();
            expected += score;
        }
        let shown = c
            .find(Locator::Id("running-total"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(shown, expected.to_string(), "running total after {step}");
        c.find(Locator::Css("[data-step-next]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    assert_eq!(expected, 86);
    assert_eq!(
        c.find(Locator::Id("answered")).await.unwrap().text().await.unwrap(),
        "26"
    );
    assert_eq!(
        c.find(Locator::Id("running-level"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1 级"
    );
    screenshot(&c, "assessment-form").await;
    click(&c, "submit-assessment").await;
    c.wait().for_element(Locator::Id("assessment-report")).await.unwrap();
    assert_eq!(c.find(Locator::Id("total")).await.unwrap().text().await.unwrap(), "86");
    let final_level = c.find(Locator::Id("final-level")).await.unwrap().text().await.unwrap();
    assert!(final_level.contains("1 级"), "{final_level}");
    let assessors = c.find(Locator::Id("assessors")).await.unwrap().text().await.unwrap();
    assert!(assessors.contains("陈志强"), "{assessors}");
    let status = c
        .find(Locator::Id("assessment-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains("待第二评估员确认"), "{status}");
    screenshot(&c, "assessment-report").await;

    // Printed: a report number, and the whole report on one A4 page (Chromium's own print to
    // PDF, without shrinking to fit).
    let number = c.find(Locator::Id("report-no")).await.unwrap().text().await.unwrap();
    assert!(
        number.len() == 10 && number.bytes().all(|b| b.is_ascii_digit()),
        "{number}"
    );
    let pdf = c
        .print(
            fantoccini::wd::PrintConfiguration::builder()
                .shrink_to_fit(false)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let pages = count_pdf_pages(&pdf);
    if let Some(dir) = std::env::var_os("YIYANG_SCREENSHOT_DIR") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("assessment-report.pdf"), &pdf);
    }
    assert_eq!(pages, 1, "the printed report takes {pages} A4 pages");
}

/// Pages in a PDF: its page objects (`/Type /Page`, not the `/Type /Pages` tree).
fn count_pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}

#[tokio::test]
async fn a_reviewer_returns_a_run_with_a_comment_and_the_clerk_sees_it() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    // The clerk computes a month.
    login(&c, &base, "huichang").await;
    c.goto(&format!("{base}/benefits")).await.unwrap();
    click(&c, "compute").await;
    // The run is computed in the background; its page says when it is ready for review.
    let mut ready = false;
    for _ in 0..100 {
        c.goto(&format!("{base}/benefits/runs/1")).await.unwrap();
        if let Ok(s) = c.find(Locator::Id("run-status")).await {
            if s.text().await.unwrap_or_default().contains("待审核") {
                ready = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "the run was computed");
    c.goto(&format!("{base}/logout")).await.unwrap();
    c.delete_all_cookies().await.unwrap();

    // The reviewer returns it with a reason.
    login(&c, &base, "shenhe").await;
    c.goto(&format!("{base}/benefits/runs/1")).await.unwrap();
    // The review button needs the confirmation ticked: the form names month, scope and amount.
    let confirm = c
        .find(Locator::Css("#sign-form label.check"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("已核对") && confirm.contains("合计"), "{confirm}");
    type_into(&c, "return-note", "高龄津贴人数与上月差异较大，请核实").await;
    click(&c, "return").await;
    let message = c
        .wait()
        .for_element(Locator::Id("message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(message.contains("已退回经办人"), "{message}");
    let notes = c.find(Locator::Id("run-notes")).await.unwrap().text().await.unwrap();
    assert!(
        notes.contains("高龄津贴人数与上月差异较大，请核实")
            && notes.contains("待遇审核员")
            && !notes.contains("shenhe"),
        "{notes}"
    );
    screenshot(&c, "run-returned").await;
    c.delete_all_cookies().await.unwrap();

    // The clerk sees the reason on the run, back in 待审核 for a recomputation.
    login(&c, &base, "huichang").await;
    c.goto(&format!("{base}/benefits/runs/1")).await.unwrap();
    let notes = c.find(Locator::Id("run-notes")).await.unwrap().text().await.unwrap();
    assert!(notes.contains("请核实"), "{notes}");
}
