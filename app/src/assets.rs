//! Where the document shell finds its stylesheet and scripts.
//!
//! `scripts/build` copies each static file that pages reference to a content-hashed name under
//! `/assets/` (served with a one-year, immutable cache lifetime) and writes `assets.json`, a map
//! from logical path to hashed URL. The server reads that manifest once at start-up and hands
//! the result to every page; without one (a build that skipped fingerprinting, unit tests) pages
//! use the logical paths, which are always served too, with `no-cache`.
//!
//! Must not do I/O: the server reads the file and passes its text to [`AssetUrls::from_manifest`].

use std::collections::HashMap;

/// Logical path of the stylesheet.
pub const STYLESHEET: &str = "/pkg/hmis_access.css";
/// Logical path of the progressive-enhancement script (show-password toggle, meter UI).
pub const ENHANCE_JS: &str = "/js/enhance.js";
/// Logical path of the strength-meter module (wasm-bindgen glue), preloaded on new-password pages.
pub const METER_JS: &str = "/pkg/meter.js";

/// Every hashed URL an `assets.json` names (the worker and the wasm too, which only scripts
/// name), checked like the shell's own: the server makes sure each file exists.
pub type ManifestUrls = Vec<String>;

/// The URLs the shell renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetUrls {
    pub stylesheet: String,
    pub enhance_js: String,
    pub meter_js: String,
}

impl Default for AssetUrls {
    /// The logical paths: what pages use when there is no manifest.
    fn default() -> Self {
        AssetUrls { stylesheet: STYLESHEET.into(), enhance_js: ENHANCE_JS.into(), meter_js: METER_JS.into() }
    }
}

impl AssetUrls {
    /// Reads `assets.json` (`{"/pkg/hmis_access.css": "/assets/hmis_access.1a2b3c4d5e6f.css", …}`).
    /// Every logical path the shell uses must be there, mapped to a same-origin absolute path.
    pub fn from_manifest(json: &str) -> Result<Self, String> {
        Self::read_manifest(json).map(|(urls, _)| urls)
    }

    /// [`AssetUrls::from_manifest`], plus every URL the manifest names. Every entry, not only
    /// the shell's, must be a same-origin path.
    pub fn read_manifest(json: &str) -> Result<(Self, ManifestUrls), String> {
        let map: HashMap<String, String> =
            serde_json::from_str(json).map_err(|e| format!("not a JSON object of strings: {e}"))?;
        for (logical, hashed) in &map {
            // Same origin only: a path, never `//host/…` or a full URL (the CSP would block it).
            if !hashed.starts_with('/') || hashed.starts_with("//") {
                return Err(format!("{logical} maps to {hashed:?}, not a path on this site"));
            }
        }
        let url = |logical: &str| map.get(logical).cloned().ok_or_else(|| format!("no entry for {logical}"));
        let urls = AssetUrls { stylesheet: url(STYLESHEET)?, enhance_js: url(ENHANCE_JS)?, meter_js: url(METER_JS)? };
        let mut all: ManifestUrls = map.into_values().collect();
        all.sort();
        Ok((urls, all))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_manifest_gives_the_hashed_urls() {
        let json = r#"{"/pkg/hmis_access.css": "/assets/hmis_access.0123456789ab.css",
            "/js/enhance.js": "/assets/enhance.0123456789ab.js",
            "/js/meter-worker.js": "/assets/meter-worker.0123456789ab.js",
            "/pkg/meter.js": "/assets/meter.0123456789ab.js",
            "/pkg/meter_bg.wasm": "/assets/meter_bg.0123456789ab.wasm"}"#;
        let urls = AssetUrls::from_manifest(json).unwrap();
        assert_eq!(urls.stylesheet, "/assets/hmis_access.0123456789ab.css");
        assert_eq!(urls.enhance_js, "/assets/enhance.0123456789ab.js");
        assert_eq!(urls.meter_js, "/assets/meter.0123456789ab.js");
    }

    #[test]
    fn incomplete_or_foreign_manifests_are_refused() {
        assert!(AssetUrls::from_manifest("[]").is_err());
        assert!(AssetUrls::from_manifest(r#"{"/pkg/hmis_access.css": "/assets/a.css"}"#).is_err());
        let foreign = r#"{"/pkg/hmis_access.css": "//evil.example/a.css", "/js/enhance.js": "/a.js", "/pkg/meter.js": "/m.js"}"#;
        assert!(AssetUrls::from_manifest(foreign).unwrap_err().contains("not a path on this site"));
    }
}
