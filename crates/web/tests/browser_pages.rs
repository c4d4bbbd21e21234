//! The pages as county staff use them, in headless Chromium on a 390 px phone and a 1024 px
//! tablet: the division picker, the bed board and a bed's own page, an admission refused
//! with the form kept, the assessor's work list, the phone's compact header, a death the
//! funeral file names differently, checked and confirmed, and a proof of life and a payment
//! account recorded on a person's page.
//!
//! With `YIYANG_SCREENSHOT_DIR=docs/screenshots` these tests also write the README's
//! screenshots.

mod common;
mod driver;

use std::time::Duration;

use driver::*;
use fantoccini::{Client, Locator};

const PHONE: (u32, u32) = (390, 844);
const TABLET: (u32, u32) = (1024, 768);

fn width_name(w: u32) -> &'static str {
    if w < 700 {
        "phone"
    } else {
        "tablet"
    }
}

async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The options (value, text) of a select, without the empty first one.
async fn options(c: &Client, id: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for o in c.find_all(Locator::Css(&format!("#{id} option"))).await.unwrap() {
        let v = o.attr("value").await.unwrap().unwrap_or_default();
        if !v.is_empty() {
            out.push((v, o.text().await.unwrap()));
        }
    }
    out
}

async fn wait_for_value(c: &Client, id: &str, want: &str) {
    for _ in 0..100 {
        if value_of(c, id).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(value_of(c, id).await, want, "#{id}");
}

#[tokio::test]
async fn the_division_picker_chooses_by_lists_and_by_name_on_a_phone_and_a_tablet() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    login(&c, &base, "huichang").await;
    let mut chosen = String::new();
    let mut chosen_name = String::new();
    for (w, h) in [PHONE, TABLET] {
        c.set_window_size(w, h).await.unwrap();
        c.goto(&format!("{base}/people/new")).await.unwrap();
        c.wait()
            .for_element(Locator::Css("#f-hukou_division-level-0 option[value='360733100']"))
            .await
            .unwrap();
        // The code itself is not a field people type into.
        let kind = c
            .find(Locator::Id("f-hukou_division"))
            .await
            .unwrap()
            .attr("type")
            .await
            .unwrap();
        assert_eq!(kind.as_deref(), Some("hidden"));
        // Township, then village, by name.
        let towns = options(&c, "f-hukou_division-level-0").await;
        assert!(towns.iter().all(|(code, name)| code.len() == 9 && !name.is_empty()));
        let (town, town_name) = towns[0].clone();
        assert_eq!(town_name, "文武坝镇");
        c.find(Locator::Id("f-hukou_division-level-0"))
            .await
            .unwrap()
            .select_by_value(&town)
            .await
            .unwrap();
        wait_for_value(&c, "f-hukou_division", &town).await;
        c.wait()
            .for_element(Locator::Css("#f-hukou_division-level-1 option[value]:not([value=''])"))
            .await
            .unwrap();
        let villages = options(&c, "f-hukou_division-level-1").await;
        let (village, _) = villages[1].clone();
        c.find(Locator::Id("f-hukou_division-level-1"))
            .await
            .unwrap()
            .select_by_value(&village)
            .await
            .unwrap();
        wait_for_value(&c, "f-hukou_division", &village).await;
        // Back to "choose a village": the township again.
        c.find(Locator::Id("f-hukou_division-level-1"))
            .await
            .unwrap()
            .select_by_value("")
            .await
            .unwrap();
        wait_for_value(&c, "f-hukou_division", &town).await;

        // By name: part of a village's name in another township.
        let other_town = towns[1].0.clone();
        c.find(Locator::Id("f-hukou_division-level-0"))
            .await
            .unwrap()
            .select_by_value(&other_town)
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Css("#f-hukou_division-level-1 option[value]:not([value=''])"))
            .await
            .unwrap();
        let (target, target_name) = options(&c, "f-hukou_division-level-1").await[0].clone();
        c.find(Locator::Id("f-hukou_division-search"))
            .await
            .unwrap()
            .send_keys(&target_name)
            .await
            .unwrap();
        let hit = c
            .wait()
            .for_element(Locator::Css(&format!(
                "#f-hukou_division-results button[data-code='{target}']"
            )))
            .await
            .unwrap();
        let shown = hit.text().await.unwrap();
        assert!(shown.contains(&target_name) && !shown.contains(&target), "{shown}");
        hit.click().await.unwrap();
        wait_for_value(&c, "f-hukou_division", &target).await;
        // The lists follow the choice.
        wait_for_value(&c, "f-hukou_division-level-0", &other_town).await;
        wait_for_value(&c, "f-hukou_division-level-1", &target).await;
        fits_the_window(&c).await;
        screenshot(&c, &format!("division-picker-{}", width_name(w))).await;
        chosen = target;
        chosen_name = target_name;
    }

    // The form is saved with the chosen village, shown by name on the person's page.
    c.find(Locator::Id("f-name"))
        .await
        .unwrap()
        .send_keys("选区划")
        .await
        .unwrap();
    type_into(&c, "f-id_number", &common::id_with_check("36073319450101702")).await;
    c.find(Locator::Id("f-hukou_type"))
        .await
        .unwrap()
        .select_by_value("rural")
        .await
        .unwrap();
    click(&c, "save").await;
    let path = wait_text(&c, "hukou-path").await;
    assert!(path.contains("会昌县") && path.contains(&chosen_name), "{path}");
    assert!(!path.contains(&chosen), "codes are not shown: {path}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_bed_board_shows_residents_and_a_tile_opens_the_bed_where_the_actions_are() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    login(&c, &base, "jigou").await;
    c.goto(&format!("{base}/institutions")).await.unwrap();
    c.find(Locator::Css("#institutions tbody tr td a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("bed-board")).await.unwrap();
    let inst_url = c.current_url().await.unwrap().to_string();

    for (w, h) in [TABLET, PHONE] {
        c.set_window_size(w, h).await.unwrap();
        c.goto(&inst_url).await.unwrap();
        c.wait().for_element(Locator::Id("bed-board")).await.unwrap();
        // Every held bed shows its resident's name and level; no controls on the board.
        let occupied = c
            .find_all(Locator::Css("#bed-board a.bed[data-status=occupied]"))
            .await
            .unwrap();
        assert!(!occupied.is_empty());
        for tile in &occupied {
            let who = tile.find(Locator::Css(".who")).await.unwrap().text().await.unwrap();
            let level = tile.find(Locator::Css(".lv")).await.unwrap().text().await.unwrap();
            assert!(!who.is_empty() && (level.contains("失能") || level.contains("完好") || level == "未评估"));
        }
        assert_eq!(count(&c, "#bed-board select, #bed-board form").await, 0);
        // Compact: the whole board of the demo home (about 60 beds) within two screens.
        let height = c
            .execute(
                "return document.getElementById('bed-board').getBoundingClientRect().height;",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        let beds = count(&c, "#bed-board a.bed").await;
        c.execute("document.getElementById('bed-board').scrollIntoView();", vec![])
            .await
            .unwrap();
        screenshot(&c, &format!("bed-board-{}", width_name(w))).await;
        assert!(beds >= 40, "{beds}");
        assert!(height < 2.0 * h as f64, "{beds} beds take {height} px at {w} px");
        fits_the_window(&c).await;
    }

    // A held bed opens its resident, with the actions.
    c.set_window_size(TABLET.0, TABLET.1).await.unwrap();
    c.goto(&inst_url).await.unwrap();
    let tile = c
        .wait()
        .for_element(Locator::Css("#bed-board a.bed[data-status=occupied]"))
        .await
        .unwrap();
    let who = tile.find(Locator::Css(".who")).await.unwrap().text().await.unwrap();
    tile.click().await.unwrap();
    assert_eq!(wait_text(&c, "resident-name").await, who);
    assert_eq!(count(&c, "#step-form").await, 1);

    // A free bed opens the bed: its status is changed there, and the board shows it.
    c.goto(&inst_url).await.unwrap();
    let vacant0 = count(&c, "#bed-board a.bed[data-status=vacant]").await;
    c.find(Locator::Css("#bed-board a.bed[data-status=vacant]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("status-form")).await.unwrap();
    c.find(Locator::Id("bed-status-select"))
        .await
        .unwrap()
        .select_by_value("reserved")
        .await
        .unwrap();
    c.find(Locator::Css("#status-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(wait_text(&c, "message").await.contains("预留"));
    assert_eq!(count(&c, "#bed-board a.bed[data-status=vacant]").await, vacant0 - 1);

    // Admission on that bed with a wrong ID number: the residents page says why, and keeps
    // what was typed (the ID number, the bed, the date).
    c.find(Locator::Css("#bed-board a.bed[data-status=reserved]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let bed_id = c
        .wait()
        .for_element(Locator::Css("#admit-form input[name=bed_id]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    type_into(&c, "admit-id", "36073319400101001X").await;
    click(&c, "admit-submit").await;
    let why = wait_text(&c, "admit-error").await;
    assert!(why.contains("身份证号"), "{why}");
    assert_eq!(value_of(&c, "admit-id").await, "36073319400101001X");
    assert_eq!(value_of(&c, "admit-bed").await, bed_id);
    fits_the_window(&c).await;
    c.execute("document.getElementById('admit-error').scrollIntoView();", vec![])
        .await
        .unwrap();
    screenshot(&c, "admission-error-tablet").await;
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    fits_the_window(&c).await;
    screenshot(&c, "admission-error-phone").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_assessor_sees_the_work_list_and_the_phone_header_opens_a_menu() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    // A clerk asks for an immediate reassessment of someone whose condition changed.
    login(&c, &base, "huichang").await;
    c.goto(&format!("{base}/people")).await.unwrap();
    let first = c.find(Locator::Css("#people tbody tr td a")).await.unwrap();
    let name = first.text().await.unwrap();
    first.click().await.unwrap();
    c.wait().for_element(Locator::Css("dl")).await.unwrap();
    let person_url = c.current_url().await.unwrap().to_string();
    c.goto(&format!("{person_url}/assessments")).await.unwrap();
    c.find(Locator::Css("#request-form input[name=reason]"))
        .await
        .unwrap()
        .send_keys("近期跌倒后卧床")
        .await
        .unwrap();
    c.find(Locator::Css("#request-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(wait_text(&c, "open-request").await.contains("近期跌倒后卧床"));
    c.delete_all_cookies().await.unwrap();

    // The assessor's day starts from the work list: the request, with the way to assess.
    login(&c, &base, "pinggu").await;
    for (w, h) in [TABLET, PHONE] {
        c.set_window_size(w, h).await.unwrap();
        c.goto(&format!("{base}/assessments/due")).await.unwrap();
        let requests = wait_text(&c, "requests").await;
        assert!(
            requests.contains(&name) && requests.contains("近期跌倒后卧床"),
            "{requests}"
        );
        assert_eq!(count(&c, "#requests tbody a[href$='/assessments/new']").await, 1);
        c.wait().for_element(Locator::Id("due")).await.unwrap();
        fits_the_window(&c).await;
        screenshot(&c, &format!("assessor-work-list-{}", width_name(w))).await;
    }
    // On the phone the navigation waits behind the menu button.
    let nav = c.find(Locator::Id("main-nav")).await.unwrap();
    assert!(!nav.is_displayed().await.unwrap());
    let header = c
        .execute(
            "return document.querySelector('header.top').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(header < 140.0, "the header takes {header} px of the phone");
    click(&c, "menu-toggle").await;
    assert!(nav.is_displayed().await.unwrap());
    screenshot(&c, "phone-menu").await;
    nav.find(Locator::LinkText("能力评估")).await.unwrap();
    // The tablet shows the navigation, and no menu button.
    c.set_window_size(TABLET.0, TABLET.1).await.unwrap();
    assert!(nav.is_displayed().await.unwrap());
    assert!(!c
        .find(Locator::Id("menu-toggle"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_clerk_checks_a_death_the_funeral_file_names_differently_on_a_phone() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    login(&c, &base, "huichang").await;
    c.goto(&format!("{base}/people/deaths")).await.unwrap();
    c.wait().for_element(Locator::Css(".death-review")).await.unwrap();
    fits_the_window(&c).await;
    let waiting = count(&c, ".death-review").await;
    assert!(waiting >= 1, "the demo file's name mismatch waits");
    // The reason is written on the card, and the death recorded.
    c.find(Locator::Css(".death-review textarea[name=note]"))
        .await
        .unwrap()
        .send_keys("经村委会核实，系同一人，殡仪馆登记姓名有误")
        .await
        .unwrap();
    screenshot(&c, "death-review-phone").await;
    c.find(Locator::Css(".death-review button[value=confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let said = wait_text(&c, "message").await;
    assert!(said.contains("已按核实结果登记死亡"), "{said}");
    assert_eq!(count(&c, ".death-review").await, waiting - 1);
    // The file's own page lists every row with its outcome, and fits the phone.
    c.find(Locator::Css("#death-files a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("death-rows")).await.unwrap();
    fits_the_window(&c).await;
    let rows = text_of(&c, "death-rows").await;
    assert!(
        rows.contains("核实后登记死亡") && rows.contains("本辖区登记册中无此人"),
        "{rows}"
    );
    c.close().await.unwrap();
}

/// Waits for the page after a form is sent to say `words` in its message (the page before
/// may still show an earlier one, or be replaced while it is read).
async fn wait_for_message(c: &Client, words: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Id("message")).await {
            last = e.text().await.unwrap_or_default();
            if last.contains(words) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the message did not say {words}: {last}");
}

#[tokio::test]
async fn a_clerk_records_a_proof_of_life_and_an_account_on_a_phone() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    login(&c, &base, "huichang").await;
    // 待遇资格认证: the county's window and whom to see, on the phone.
    c.goto(&format!("{base}/people/life-checks")).await.unwrap();
    let rule = wait_text(&c, "life-rule").await;
    assert!(rule.contains("12 个月"), "{rule}");
    fits_the_window(&c).await;
    // A living person's page.
    c.goto(&format!("{base}/people?life=alive")).await.unwrap();
    let href = c
        .find(Locator::Css("td a[href^='/people/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("a person");
    c.goto(&format!("{base}{href}")).await.unwrap();
    c.find(Locator::Css("#life-box summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#life-method option[value=in_person]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&c, "life-note", "到村委会当面认证").await;
    fits_the_window(&c).await;
    click(&c, "life-save").await;
    wait_for_message(&c, "已记录资格认证").await;
    let sign = text_of(&c, "life-sign").await;
    assert!(sign.contains("资格认证"), "{sign}");
    // The account, its number typed twice.
    let card = (0..10)
        .map(|d| format!("621799000000001234{d}"))
        .find(|s| yiyang_domain::person::account::luhn_ok(s))
        .unwrap();
    c.find(Locator::Css("#account-box summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#account-channel option[value=yikatong]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let bank = c.find(Locator::Id("account-bank")).await.unwrap();
    bank.clear().await.unwrap();
    bank.send_keys("会昌农村商业银行").await.unwrap();
    type_into(&c, "account-number-input", &card).await;
    type_into(&c, "account-number-again", &card).await;
    fits_the_window(&c).await;
    screenshot(&c, "account-phone").await;
    click(&c, "account-save").await;
    wait_for_message(&c, "已登记发放账户").await;
    assert_eq!(text_of(&c, "account-number").await, card);
    c.close().await.unwrap();
}
