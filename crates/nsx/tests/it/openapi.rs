//! The OpenAPI document: a snapshot of the whole of it (so any change to the API is seen in
//! review), plus checks that hold whatever the snapshot says.
//!
//! Refresh after an intended change with `INSTA_UPDATE=always cargo test -p nsx --test it openapi`
//! (or `cargo insta review`). A mismatch always fails the test; CI runs with
//! `INSTA_UPDATE=no` so nothing is written there.

use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(nsx::routes::openapi()).expect("the document serializes")
}

#[test]
fn openapi_document_snapshot() {
    let doc = document();
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        sort_maps => true,
    }, {
        insta::assert_json_snapshot!("openapi", doc);
    });
}

/// Every `$ref` in the document points at a schema the document defines.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    if let Some(s) = x.as_str() {
                        out.push(s.to_string());
                    }
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn catalog_routes_are_described() {
    let doc = document();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (path, op) in [
        ("/api/v1/occupations", "get"),
        ("/api/v1/occupations/{code}", "get"),
        ("/api/v1/sources", "get"),
    ] {
        let o = &doc["paths"][path][op];
        assert!(o.is_object(), "{path} is missing");
        assert_eq!(o["tags"][0], "occupations", "{path}");
        assert!(o["responses"]["200"].is_object(), "{path}");
    }
    let list = &doc["paths"]["/api/v1/occupations"]["get"];
    let params: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in [
        "major_group",
        "job_zone",
        "framework_ready",
        "limit",
        "offset",
    ] {
        assert!(params.contains(&p), "{p}");
    }
    assert!(list["responses"]["200"]["headers"]["X-Total-Count"].is_object());
    let schemas = &doc["components"]["schemas"];
    for s in [
        "OccupationDetail",
        "OccupationList",
        "Citation",
        "SourceList",
        "Problem",
    ] {
        assert!(schemas[s].is_object(), "schema {s}");
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(schemas[name].is_object(), "dangling $ref {r}");
    }
}

/// The bound the document declares for one query parameter of one operation.
fn declared(doc: &Value, path: &str, param: &str, key: &str) -> i64 {
    let params = doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has no parameters"));
    let p = params
        .iter()
        .find(|p| p["name"] == param)
        .unwrap_or_else(|| panic!("{path} does not declare {param}"));
    p["schema"][key]
        .as_i64()
        .unwrap_or_else(|| panic!("{path} {param} declares no {key}: {p}"))
}

/// The bounds the document declares are the ones the server enforces: a value at the
/// declared bound is taken, one past it is refused with a 422 naming the parameter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_bounds_are_enforced_exactly() {
    let doc = document();
    let app = crate::common::TestApp::builder().start().await;
    let cases = [
        ("/api/v1/search", "limit", "q=pump&"),
        ("/api/v1/suggest", "limit", "q=pum&"),
        ("/api/v1/occupations", "limit", ""),
        ("/api/v1/frameworks", "limit", ""),
    ];
    for (path, param, rest) in cases {
        let max = declared(&doc, path, param, "maximum");
        let min = declared(&doc, path, param, "minimum");
        for (value, ok) in [(max, true), (max + 1, false), (min, true), (min - 1, false)] {
            let (status, body) = app.get(&format!("{path}?{rest}{param}={value}")).await;
            if ok {
                assert_eq!(status, 200, "{path} {param}={value}: {body}");
            } else {
                assert_eq!(status, 422, "{path} {param}={value}: {body}");
                assert!(body.contains(param), "{path} {param}={value}: {body}");
            }
        }
    }
    for path in ["/api/v1/search", "/api/v1/suggest"] {
        let max = declared(&doc, path, "q", "maxLength") as usize;
        let (status, body) = app.get(&format!("{path}?q={}", "a".repeat(max))).await;
        assert_eq!(status, 200, "{path} q of {max}: {body}");
        let (status, body) = app.get(&format!("{path}?q={}", "a".repeat(max + 1))).await;
        assert_eq!(status, 422, "{path} q of {}: {body}", max + 1);
    }
    let token = &doc["components"]["schemas"]["NewToken"]["properties"]["name"];
    assert_eq!(token["maxLength"], 100, "{token}");
    assert_eq!(token["minLength"], 1, "{token}");
    let subject = doc["components"]["schemas"]["Edit"].to_string();
    assert!(
        subject.contains("\"maxLength\":200"),
        "Edit declares the subject's bound"
    );
    app.finish().await;
}
