//! Fuzzes the password policy (zxcvbn included): never panics at any length; a verdict is
//! acceptable exactly when it lists no problems; over-long input is never scored.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let v = domain::password::evaluate(&Default::default(), s, &Default::default());
        assert_eq!(v.acceptable(), v.problems().is_empty());
        if v.too_long {
            assert!(v.score.is_none());
        }
    }
});
