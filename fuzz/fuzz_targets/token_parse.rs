//! Fuzzes reset-token parsing: never panics; whatever parses hashes to 64 hex characters.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(h) = domain::token::parse(s) {
            assert_eq!(h.as_str().len(), 64);
        }
    }
});
