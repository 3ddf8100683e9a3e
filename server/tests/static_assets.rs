//! Content-hashed static files (issue 6): pages name the hashed copies listed in the build's
//! `assets.json`, those are cached for a year, and everything else keeps `no-cache`. A manifest
//! that names a missing file stops start-up instead of serving pages that cannot load.
//! Its own test binary: the manifest is installed once per process.

mod common;

use common::*;
use std::fs;

const CSS: &str = "/assets/hmis_access.0123456789ab.css";
const ENHANCE: &str = "/assets/enhance.0123456789ab.js";
const METER: &str = "/assets/meter.0123456789ab.js";

fn write_site(site: &std::path::Path) {
    for (path, body) in [
        ("pkg/hmis_access.css", "body{}"),
        ("assets/hmis_access.0123456789ab.css", "body{}"),
        ("assets/enhance.0123456789ab.js", "//"),
        ("assets/meter.0123456789ab.js", "//"),
    ] {
        let p = site.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
    let manifest = format!(r#"{{"/pkg/hmis_access.css": "{CSS}", "/js/enhance.js": "{ENHANCE}", "/pkg/meter.js": "{METER}"}}"#);
    fs::write(site.join("assets.json"), manifest).unwrap();
}

#[tokio::test]
async fn pages_load_hashed_assets_which_are_cached_for_a_year() {
    let app = TestApp::start().await;
    let site = app.dir.path().join("site");
    write_site(&site);
    let urls = server::web::install_asset_manifest(&site).expect("manifest installed");
    assert_eq!(urls.stylesheet, CSS);

    let html = app.get("/login").await.text().await.unwrap();
    assert!(html.contains(&format!(r#"href="{CSS}""#)), "{html}");
    assert!(html.contains(&format!(r#"src="{ENHANCE}""#)), "{html}");
    assert!(!html.contains("/pkg/hmis_access.css"), "no unhashed name left: {html}");

    let hashed = app.get(CSS).await;
    assert_eq!(hashed.status(), 200);
    assert_eq!(hashed.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(hashed.headers().get("set-cookie").is_none(), "a file cached for a year sets no cookie");
    assert!(app.get("/login").await.headers().get("set-cookie").is_some(), "pages still give the CSRF cookie");

    let logical = app.get("/pkg/hmis_access.css").await;
    assert_eq!(logical.status(), 200);
    assert_eq!(logical.headers()["cache-control"], "no-cache");
    assert!(logical.headers().get("set-cookie").is_none());

    let missing = app.get("/assets/hmis_access.ffffffffffff.css").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["cache-control"], "no-store", "a 404 is never cached for a year");
}

#[test]
fn a_manifest_naming_a_missing_or_foreign_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(server::web::read_asset_manifest(dir.path()), Ok(None), "no manifest: logical paths");

    write_site(dir.path());
    fs::remove_file(dir.path().join("assets/meter.0123456789ab.js")).unwrap();
    let err = server::web::read_asset_manifest(dir.path()).unwrap_err();
    assert!(err.contains("meter.0123456789ab.js") && err.contains("missing"), "{err}");

    // A file only the scripts name (the wasm) counts too.
    write_site(dir.path());
    let with_wasm = format!(
        r#"{{"/pkg/hmis_access.css": "{CSS}", "/js/enhance.js": "{ENHANCE}", "/pkg/meter.js": "{METER}", "/pkg/meter_bg.wasm": "/assets/meter_bg.0123456789ab.wasm"}}"#
    );
    fs::write(dir.path().join("assets.json"), with_wasm).unwrap();
    let err = server::web::read_asset_manifest(dir.path()).unwrap_err();
    assert!(err.contains("meter_bg.0123456789ab.wasm"), "{err}");

    fs::write(dir.path().join("assets.json"), "{not json").unwrap();
    let err = server::web::read_asset_manifest(dir.path()).unwrap_err();
    assert!(err.contains("not a usable asset manifest"), "{err}");
}
