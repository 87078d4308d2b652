//! Accessibility checks with axe-core (vendored, see vendor/README.md),
//! injected into the page through WebDriver.

use serde_json::Value;

use crate::driver::Browser;

const AXE: &str = include_str!("vendor/axe.min.js");

const RUN: &str = r"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then(r => done({ passes: r.passes.length, violations: r.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' ')),
  })) }))
  .catch(e => done({ error: String(e) }));
";

/// Runs axe on the current page, prints every violation and returns the
/// serious and critical ones as text.
pub async fn audit(browser: &Browser, page: &str) -> Vec<String> {
    let has_axe = browser
        .client
        .execute("return typeof window.axe", vec![])
        .await
        .unwrap();
    if has_axe != Value::String("object".into()) {
        browser.client.execute(AXE, vec![]).await.unwrap();
    }
    let result = browser.client.execute_async(RUN, vec![]).await.unwrap();
    let Some(violations) = result["violations"].as_array() else {
        panic!("axe failed on {page}: {result}");
    };
    let mut blocking = Vec::new();
    for v in violations {
        let impact = v["impact"].as_str().unwrap_or("unknown");
        let line = format!(
            "axe {page}: [{impact}] {} ({}): {}",
            v["id"].as_str().unwrap_or(""),
            v["help"].as_str().unwrap_or(""),
            v["nodes"]
                .as_array()
                .map(|n| n
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" | "))
                .unwrap_or_default()
        );
        eprintln!("{line}");
        if matches!(impact, "serious" | "critical") {
            blocking.push(line);
        }
    }
    if violations.is_empty() {
        eprintln!(
            "axe {page}: no violations ({} rules passed)",
            result["passes"].as_u64().unwrap_or(0)
        );
    }
    blocking
}
