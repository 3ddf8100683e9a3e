//! Fuzzes identifier folding: never panics; the result is bounded and a fixed point.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(f) = domain::identifier::fold(s) {
            assert!(!f.is_empty() && f.len() <= domain::identifier::MAX_IDENTIFIER_BYTES);
            assert_eq!(domain::identifier::fold(&f).as_deref(), Ok(f.as_str()));
        }
    }
});
