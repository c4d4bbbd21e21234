//! The county's dashboard in headless Chromium: the charts are drawn by the app's own ECharts;
//! clicking a township's bar opens the people list of that township, whose count is the bar's;
//! the 长辈模式 switch shows its state.

mod common;
mod driver;

use std::time::Duration;

use driver::*;
use fantoccini::actions::InputSource;
use fantoccini::Locator;

#[tokio::test]
async fn a_township_bar_opens_its_list_with_the_same_count() {
    let Some((base, c, _driver, _dir)) = setup().await else {
        return;
    };
    c.set_window_size(1024, 900).await.unwrap();
    login(&c, &base, "huichang").await;
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    // The server keeps the values at start; until then the page says so.
    for _ in 0..50 {
        if count(&c, "#chart-people canvas").await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        c.refresh().await.unwrap();
    }
    if count(&c, "#chart-people canvas").await == 0 {
        let why = c
            .execute(
                "var el = document.getElementById('chart-people');
                 return [typeof echarts, el ? el.outerHTML.slice(0, 400) : 'no element',
                         document.body.innerText.slice(0, 600)];",
                vec![],
            )
            .await
            .unwrap();
        panic!("the chart was not drawn: {why}");
    }
    screenshot(&c, "dashboard").await;
    // The first township's bar: its name and value, and where ECharts drew it.
    let bar = c
        .execute(
            "var el = document.getElementById('chart-people');
             el.scrollIntoView({block: 'center'});
             var ch = echarts.getInstanceByDom(el);
             var o = ch.getOption();
             var v = o.series[0].data[0];
             var p = ch.convertToPixel({seriesIndex: 0}, [0, v / 2]);
             return [o.xAxis[0].data[0], v, p[0], p[1]];",
            vec![],
        )
        .await
        .unwrap();
    let name = bar[0].as_str().unwrap().to_string();
    let value = bar[1].as_f64().unwrap() as i64;
    let (x, y) = (bar[2].as_f64().unwrap(), bar[3].as_f64().unwrap());
    // A real click at that point of the chart (offsets are from the canvas's centre). ECharts
    // finds its target on hover, so the pointer moves there and rests before pressing.
    let size = c
        .execute("var r = document.querySelector('#chart-people canvas').getBoundingClientRect(); return [r.width, r.height];", vec![])
        .await
        .unwrap();
    let (w, h) = (size[0].as_f64().unwrap(), size[1].as_f64().unwrap());
    let canvas = c.find(Locator::Css("#chart-people canvas")).await.unwrap();
    let click = fantoccini::actions::MouseActions::new("mouse".into())
        .then(fantoccini::actions::PointerAction::MoveToElement {
            element: canvas,
            duration: Some(Duration::from_millis(100)),
            x: x - w / 2.0,
            y: y - h / 2.0,
        })
        .then(fantoccini::actions::PointerAction::Pause {
            duration: Duration::from_millis(100),
        })
        .then(fantoccini::actions::PointerAction::Down {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        })
        .then(fantoccini::actions::PointerAction::Up {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
    c.perform_actions(click).await.unwrap();
    for _ in 0..50 {
        if c.current_url().await.unwrap().path() == "/people" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/people", "clicking {name}'s bar went to {url}");
    assert!(url.query().unwrap_or("").contains("life=alive"), "{url}");
    let total = text_of(&c, "total").await;
    assert_eq!(total, format!("共 {value} 人"), "{name}: the list and the bar agree");

    // The 长辈模式 switch says whether it is on, and is remembered on the next page.
    let state = "var b = document.querySelector('[data-elder-toggle]');
                 return [b.textContent, b.getAttribute('aria-pressed'),
                         document.documentElement.classList.contains('elder')];";
    let off = c.execute(state, vec![]).await.unwrap();
    assert_eq!(off, serde_json::json!(["长辈模式：关", "false", false]));
    c.find(Locator::Css("[data-elder-toggle]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let on = c.execute(state, vec![]).await.unwrap();
    assert_eq!(on, serde_json::json!(["长辈模式：开", "true", true]));
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    let still = c.execute(state, vec![]).await.unwrap();
    assert_eq!(still, serde_json::json!(["长辈模式：开", "true", true]));
    c.close().await.unwrap();
}
