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
