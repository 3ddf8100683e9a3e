//! This fork must score every password exactly as upstream zxcvbn 3.1.1 does: same score, same
//! guesses, same match sequence, same feedback. Only the way four patterns are found changed
//! (regex -> `scan`), so any difference here is a bug in the fork.

use proptest::prelude::*;

/// What zxcvbn decided, in a form both crates can be compared in (their types differ, their
/// Debug output is the same code): score, guesses, and each match of the chosen sequence as
/// span, token, kind (the Debug name up to its fields) and guesses. Left out on purpose: the
/// l33t substitution maps (a `HashMap`, printed in a different order every run, upstream too),
/// and the sequence itself once guesses saturate at `u64::MAX`, where every candidate ties and
/// upstream picks one by `HashMap` order.
macro_rules! verdict {
    ($krate:ident, $password:expr, $inputs:expr) => {{
        let e = $krate::zxcvbn($password, $inputs);
        let mut v = format!("score {} guesses {}", e.score(), e.guesses());
        if e.guesses() < u64::MAX {
            for m in e.sequence() {
                let kind = format!("{:?}", m.pattern);
                let kind = kind.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_string();
                v += &format!(" | {}..={} {:?} {} {:?}", m.i, m.j, m.token, kind, m.guesses);
            }
            let f = e.feedback().map(|f| (f.warning().map(|w| w.to_string()), f.suggestions().iter().map(|s| s.to_string()).collect::<Vec<_>>()));
            v += &format!(" | feedback {f:?}");
        }
        v
    }};
}

fn fork(password: &str, inputs: &[&str]) -> String {
    verdict!(zxcvbn, password, inputs)
}

/// Upstream's answers over several calls. Upstream keeps its scoring state in HashMaps with a
/// fresh random order per call, so one password can get different guesses on different calls
/// (that is why the fork orders them; see README.md).
fn upstream(password: &str, inputs: &[&str]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..12 {
        let v = verdict!(upstream, password, inputs);
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// The fork must give one of upstream's answers, and always the same one.
fn check(password: &str, inputs: &[&str]) -> Result<(), String> {
    let ours = fork(password, inputs);
    for _ in 0..3 {
        if fork(password, inputs) != ours {
            return Err(format!("{password:?}: the fork is not deterministic"));
        }
    }
    let theirs = upstream(password, inputs);
    if theirs.contains(&ours) {
        Ok(())
    } else {
        Err(format!("{password:?}:\n  fork:     {ours}\n  upstream: {}", theirs.join("\n            ")))
    }
}

#[test]
fn tricky_inputs_score_the_same() {
    let cases = [
        "", "a", "aa", "aaaaa", "aabaab", "aabaabaabaab", "abcabcabc", "xyy abcabc", "a\na\na\n", "\n\n\n\n",
        "ééééé", "zßßßßß", "1999", "x2024y1987", "199920", "20199", "1899 2100", "password1999", "1/1/91",
        "11/11/1991", "1991-11-1", "1991 11 1", "1\u{3000}1\u{3000}91", "1\u{a0}1\u{a0}1991", "01.01.2001", "1_1_1",
        "1/1-91", "11111991", "1191", "19911111", "12345678", "9/9/99999", "correcthorsebatterystaple",
        "Tr0ub4dor&3", "P@ssw0rd1", "hmis2024!", "ServicePoint1", "hmishmishmis", "qwertyqwerty", "abab\nabab",
        "раѕѕwоrd-Ρаѕѕ-ｐａｓｓ-p@55w0rd", "the shelter intake desk opens at seven",
        "Lantern-harbor 7 quietly!", "2020202020", "19191919", "1/1/11/1/1", "12-12-12-12", "aaaa1999aaaa",
        "ab\u{2003}ab\u{2003}ab", "٠١/٠١/١٩٩١", "x\u{85}1\u{85}1\u{85}91",
    ];
    for pw in cases {
        check(pw, &[]).unwrap();
        check(pw, &["alice", "shelter"]).unwrap();
    }
}

/// Pieces that exercise the changed matchers: repeats, years, dates with every separator
/// (including Unicode spaces and a line feed), plus letters and look-alikes.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ab1é\n]{1,3}".prop_flat_map(|s| (Just(s), 1usize..4)).prop_map(|(s, n)| s.repeat(n)),
        "(19|20)[0-9]{2}",
        "[0-9]{1,4}[/\\\\_. \u{3000}\u{a0}\n-][0-9]{1,2}[/\\\\_. \u{3000}\u{a0}\n-][0-9]{1,4}",
        "[0-9]{3,9}",
        "[a-zA-Z@0!]{1,6}",
        "(pass|word|hmis|shelter|qwerty)",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn generated_passwords_score_the_same(pieces in prop::collection::vec(piece(), 1..5)) {
        let pw: String = pieces.concat();
        if let Err(e) = check(&pw, &["alice"]) {
            return Err(TestCaseError::fail(e));
        }
    }
}
