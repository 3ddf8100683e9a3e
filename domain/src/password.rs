//! The password policy: normalisation, length, strength (zxcvbn with the user's own data), and
//! the `Verdict` both the browser meter and the server show.
//!
//! Where the rules come from: NIST SP 800-63B §5.1.1.2 and OWASP ASVS 4.0.3 V2.1.1–V2.1.9 (at
//! least 12 characters, up to 128 allowed, any Unicode, no composition rules, a strength meter),
//! hmis-context.md (the defaults), RB-14 (one normalisation form everywhere: NFC), RB-15
//! (spaces are kept exactly: never trimmed), RB-16 (length is checked before any scoring or
//! hashing), RB-18 (the user's own data are zxcvbn user inputs on both sides).
//!
//! Must not depend on I/O or a clock. zxcvbn sits behind the `strength` feature so the crate can
//! be used without the 1.9 MB of dictionaries.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The configurable password policy. Defaults follow the standards (see module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Fewest characters (Unicode code points after NFC). NIST 800-63B asks for 8, ASVS 2.1.1 for 12.
    pub min_chars: usize,
    /// Most characters accepted. ASVS 2.1.2: at least 64 must be allowed; 128 is our default.
    /// Longer input is answered "too long": never truncated, scored or hashed.
    pub max_chars: usize,
    /// Lowest acceptable zxcvbn score (0–4).
    pub min_score: u8,
    /// Words every password is checked against besides the user's own data: the names of the
    /// system people are signing in to, which attackers try first.
    pub context_words: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            min_chars: 12,
            max_chars: 128,
            min_score: 3,
            context_words: vec![
                "HMIS".into(),
                "ServicePoint".into(),
                "Community Services".into(),
            ],
        }
    }
}

/// What we know about the person choosing the password; each field becomes zxcvbn user input
/// so that "AliceSmith2024" scores as weak for Alice Smith (RB-18).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInputs {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub agency: String,
}

impl UserInputs {
    /// Every word zxcvbn should treat as "known to an attacker": each field whole, each field
    /// without spaces, and each of its parts (split on anything not a letter or digit).
    pub fn words(&self, policy: &Policy) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |w: &str| {
            let w = w.trim().to_lowercase();
            if w.chars().count() >= 2 && !out.contains(&w) {
                out.push(w);
            }
        };
        let fields = [&self.username, &self.email, &self.full_name, &self.agency];
        for field in fields.into_iter().chain(policy.context_words.iter()) {
            push(field);
            push(&field.split_whitespace().collect::<String>());
            for part in field.split(|c: char| !c.is_alphanumeric()) {
                push(part);
            }
        }
        out
    }
}

/// NFC-normalises a password. Applied wherever a password is set, checked or scored, in the
/// browser and on the server (RB-14). Whitespace is kept exactly (RB-15).
pub fn normalize(raw: &str) -> String {
    raw.nfc().collect()
}

/// Input larger than this many bytes is "too long" without even being normalised: NFC expands a
/// code point into at most 3, and a code point is at most 4 bytes, so nothing this large can be
/// within `max_chars` after normalisation.
pub fn byte_ceiling(policy: &Policy) -> usize {
    policy.max_chars.saturating_mul(12)
}

/// The outcome of checking one password against the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Code points after NFC (or a lower bound when the input was refused on bytes alone).
    pub chars: usize,
    pub min_chars: usize,
    pub max_chars: usize,
    pub min_score: u8,
    pub too_short: bool,
    pub too_long: bool,
    /// zxcvbn score 0–4; `None` when the password was not scored (too long).
    pub score: Option<u8>,
    /// Estimated time to crack offline against a slow hash, in words ("3 hours").
    pub crack_time: Option<String>,
    pub warning: Option<String>,
    pub suggestions: Vec<String>,
    /// The whole password is one of the 10,000 most common passwords (zxcvbn's own password
    /// frequency list, ranked; case, l33t spelling included): refused whatever its length.
    #[serde(default)]
    pub common: bool,
}

/// How many of zxcvbn's ranked common passwords are refused outright (ASVS 2.1.7, NIST
/// 800-63B §5.1.1.2 "passwords obtained from previous breach corpuses").
pub const BLOCKLIST_RANK: usize = 10_000;

impl Verdict {
    /// True when every rule of the policy is met.
    pub fn acceptable(&self) -> bool {
        !self.too_short && !self.too_long && !self.common && self.strong_enough()
    }

    /// True when the strength rule is met.
    pub fn strong_enough(&self) -> bool {
        self.score.is_some_and(|s| s >= self.min_score)
    }

    /// The rules with whether each one is met, in the order the form lists them.
    pub fn checks(&self) -> Vec<RuleCheck> {
        vec![
            RuleCheck {
                rule: Rule::MinLength,
                met: !self.too_short,
                label: format!("At least {} characters", self.min_chars),
            },
            RuleCheck {
                rule: Rule::MaxLength,
                met: !self.too_long,
                label: format!("At most {} characters", self.max_chars),
            },
            RuleCheck {
                rule: Rule::Strength,
                met: self.strong_enough(),
                label: format!("Hard to guess (strength {} of 4 or better)", self.min_score),
            },
        ]
    }

    /// Sentences telling the person what to change; empty when the password is acceptable.
    /// The browser meter and the server's refusal show exactly these (RB-18).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.chars == 0 {
            out.push("Enter a new password.".to_string());
            return out;
        }
        if self.too_long {
            out.push(format!(
                "Too long: use at most {} characters. Nothing was cut off; please shorten it yourself.",
                self.max_chars
            ));
            return out;
        }
        if self.too_short {
            out.push(format!(
                "Too short: use at least {} characters (this has {}).",
                self.min_chars, self.chars
            ));
        }
        if self.common {
            out.push("This is one of the 10,000 most common passwords. Choose another.".to_string());
        }
        if !self.strong_enough() {
            out.push("Too easy to guess.".to_string());
            if let Some(w) = &self.warning {
                out.push(w.clone());
            }
            out.extend(self.suggestions.iter().cloned());
        }
        out
    }

    /// "Very weak" … "Very strong" for the 0–4 bar, so the bar is never colour-only.
    pub fn strength_label(&self) -> &'static str {
        match self.score {
            None => "Not scored",
            Some(0) => "Very weak",
            Some(1) => "Weak",
            Some(2) => "Fair",
            Some(3) => "Strong",
            Some(_) => "Very strong",
        }
    }
}

/// Everything a form shows about a password, as the browser meter and the server both produce it
/// (the meter module serialises this to JSON; `hmis-access password check` prints the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub verdict: Verdict,
    pub acceptable: bool,
    pub label: String,
    pub checks: Vec<RuleCheck>,
    pub problems: Vec<String>,
}

impl From<Verdict> for Report {
    fn from(verdict: Verdict) -> Self {
        Report {
            acceptable: verdict.acceptable(),
            label: verdict.strength_label().to_string(),
            checks: verdict.checks(),
            problems: verdict.problems(),
            verdict,
        }
    }
}

/// A rule the form lists with a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    MinLength,
    MaxLength,
    Strength,
}

/// One rule and whether the password meets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCheck {
    pub rule: Rule,
    pub met: bool,
    pub label: String,
}

/// The report for every input over `byte_ceiling`: it does not depend on the input, so a page
/// can carry it and show it the moment such a paste lands, before the meter module has loaded
/// (issue 6). `check_length` answers every such input with exactly this verdict.
pub fn over_ceiling_report(policy: &Policy) -> Report {
    Report::from(over_ceiling_verdict(policy))
}

fn over_ceiling_verdict(policy: &Policy) -> Verdict {
    Verdict { chars: policy.max_chars.saturating_add(1), too_long: true, ..empty_verdict(policy) }
}

fn empty_verdict(policy: &Policy) -> Verdict {
    Verdict {
        chars: 0,
        min_chars: policy.min_chars,
        max_chars: policy.max_chars,
        min_score: policy.min_score,
        too_short: false,
        too_long: false,
        score: None,
        crack_time: None,
        warning: None,
        suggestions: Vec::new(),
        common: false,
    }
}

/// Length-only part of the verdict, shared by `evaluate` and usable without zxcvbn.
/// Returns the NFC form when the input is within `max_chars`.
pub fn check_length(policy: &Policy, raw: &str) -> (Verdict, Option<String>) {
    if raw.len() > byte_ceiling(policy) {
        return (over_ceiling_verdict(policy), None);
    }
    let mut v = empty_verdict(policy);
    let normalised = normalize(raw);
    v.chars = normalised.chars().count();
    v.too_short = v.chars < policy.min_chars;
    v.too_long = v.chars > policy.max_chars;
    if v.too_long {
        return (v, None);
    }
    (v, Some(normalised))
}

/// Checks a password against the policy. Length first: input over `max_chars` is never scored.
#[cfg(feature = "strength")]
pub fn evaluate(policy: &Policy, raw: &str, inputs: &UserInputs) -> Verdict {
    let (mut v, normalised) = check_length(policy, raw);
    let Some(pw) = normalised else { return v };
    if pw.is_empty() {
        v.score = Some(0);
        return v;
    }
    let words = inputs.words(policy);
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(&pw, &refs);
    v.score = Some(u8::from(entropy.score()));
    v.crack_time = Some(
        entropy
            .crack_times()
            .offline_slow_hashing_1e4_per_second()
            .to_string(),
    );
    v.common = match entropy.sequence() {
        [only] => matches!(&only.pattern,
            zxcvbn::matching::patterns::MatchPattern::Dictionary(d)
                // zxcvbn 3.1 does not export `DictionaryType`; its Debug name is stable.
                if format!("{:?}", d.dictionary_name) == "Passwords"
                    && d.rank <= BLOCKLIST_RANK
                    && !d.reversed),
        _ => false,
    };
    if let Some(fb) = entropy.feedback() {
        v.warning = fb.warning().map(|w| w.to_string());
        v.suggestions = fb.suggestions().iter().map(|s| s.to_string()).collect();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn alice() -> UserInputs {
        UserInputs {
            username: "alice".into(),
            email: "alice@example.com".into(),
            full_name: "Alice Smith".into(),
            agency: "Harbor Shelter".into(),
        }
    }

    #[test]
    fn nfc_and_nfd_spellings_normalise_alike() {
        assert_eq!(normalize("V\u{e9}lo-du-matin-12"), normalize("Ve\u{301}lo-du-matin-12"));
    }

    #[test]
    fn length_counts_code_points_after_nfc() {
        let p = Policy::default();
        // 11 letters + "é" written as e + combining acute: 12 code points after NFC, 13 before.
        let (v, _) = check_length(&p, "abcdefghijke\u{301}");
        assert_eq!(v.chars, 12);
        assert!(!v.too_short);
    }

    #[test]
    fn spaces_are_kept_exactly() {
        assert_eq!(normalize("  two  spaces  "), "  two  spaces  ");
    }

    #[test]
    fn input_past_the_maximum_is_too_long_and_not_scored() {
        let p = Policy::default();
        let (v, n) = check_length(&p, &"x".repeat(129));
        assert!(v.too_long && n.is_none() && v.score.is_none());
        let (v, _) = check_length(&p, &"x".repeat(1 << 20));
        assert!(v.too_long && v.score.is_none());
        let (v, n) = check_length(&p, &"x".repeat(128));
        assert!(!v.too_long && n.is_some());
    }

    #[test]
    fn problems_say_too_long_without_scoring_talk() {
        let (v, _) = check_length(&Policy::default(), &"x".repeat(200));
        let p = v.problems();
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("Too long"));
    }

    #[test]
    fn user_inputs_cover_parts_of_each_field() {
        let w = alice().words(&Policy::default());
        for expected in ["alice", "alice@example.com", "example", "smith", "alicesmith", "harbor", "hmis", "servicepoint", "communityservices"] {
            assert!(w.iter().any(|x| x == expected), "missing {expected} in {w:?}");
        }
    }

    #[cfg(feature = "strength")]
    mod strength {
        use super::*;

        #[test]
        fn common_passwords_are_refused() {
            let p = Policy::default();
            for pw in ["password1234", "P@ssw0rd1234", "qwertyuiop123", "ServicePoint1", "hmis2024hmis2024"] {
                let v = evaluate(&p, pw, &UserInputs::default());
                assert!(!v.acceptable(), "{pw} accepted with score {:?}", v.score);
            }
        }

        #[test]
        fn common_passwords_are_refused_even_when_long_enough_and_the_minimum_is_low() {
            let p = Policy { min_chars: 8, min_score: 0, ..Policy::default() };
            for pw in ["password", "PASSWORD", "p@ssw0rd", "iloveyou", "sunshine", "1qaz2wsx3edc"] {
                let v = evaluate(&p, pw, &UserInputs::default());
                assert!(v.common, "{pw} not recognised as common");
                assert!(!v.acceptable());
                assert!(v.problems()[0].contains("most common passwords"), "{:?}", v.problems());
            }
            let v = evaluate(&p, "unusual-walrus-lantern", &UserInputs::default());
            assert!(!v.common);
        }

        #[test]
        fn the_users_own_data_make_a_weak_password() {
            let p = Policy::default();
            for pw in ["AliceSmithExample", "alice@example.com", "HarborShelterAlice"] {
                let v = evaluate(&p, pw, &alice());
                assert!(!v.acceptable(), "{pw} accepted with score {:?}", v.score);
            }
        }

        #[test]
        fn a_long_unusual_passphrase_is_accepted() {
            let v = evaluate(&Policy::default(), "Quiet-Harbor-41 walrus lantern", &alice());
            assert!(v.acceptable(), "{v:?}");
            assert!(v.problems().is_empty());
            assert!(v.crack_time.is_some());
        }

        #[test]
        fn weak_verdict_carries_zxcvbn_feedback() {
            let v = evaluate(&Policy::default(), "password1234", &UserInputs::default());
            let problems = v.problems();
            assert_eq!(problems[0], "Too easy to guess.");
            assert!(problems.len() > 1, "{problems:?}");
        }

        #[test]
        fn too_long_input_is_never_scored() {
            let v = evaluate(&Policy::default(), &"correct horse ".repeat(300), &alice());
            assert!(v.too_long && v.score.is_none() && v.crack_time.is_none());
        }

        proptest! {
            /// What the page shows before the meter loads is what the meter (and the server)
            /// says for any input over the byte ceiling, whatever the policy and the input.
            #[test]
            fn the_over_ceiling_report_is_what_any_such_input_gets(max in 8usize..200, extra in 1usize..300, s in "\\PC{1,8}") {
                let policy = Policy { max_chars: max, ..Policy::default() };
                let mut input = s.repeat(byte_ceiling(&policy) / s.len() + 1);
                input.push_str(&"x".repeat(extra));
                prop_assert!(input.len() > byte_ceiling(&policy));
                prop_assert_eq!(Report::from(evaluate(&policy, &input, &alice())), over_ceiling_report(&policy));
            }
        }

        #[test]
        fn the_over_ceiling_report_says_too_long() {
            let r = over_ceiling_report(&Policy::default());
            assert!(r.verdict.too_long && !r.acceptable && r.verdict.score.is_none());
            assert!(r.problems[0].starts_with("Too long"), "{:?}", r.problems);
            assert_eq!(r.label, Report::from(evaluate(&Policy::default(), &"a".repeat(129), &alice())).label);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]
            #[test]
            fn evaluate_never_panics_and_is_consistent(s in "\\PC{0,140}") {
                let v = evaluate(&Policy::default(), &s, &alice());
                prop_assert_eq!(v.too_long, v.score.is_none());
                prop_assert_eq!(v.acceptable(), v.problems().is_empty());
            }

            #[test]
            fn nfc_and_nfd_get_the_same_verdict(s in "[a-zA-Zéèüñ -]{0,40}") {
                use unicode_normalization::UnicodeNormalization;
                let nfd: String = s.nfd().collect();
                let p = Policy::default();
                prop_assert_eq!(evaluate(&p, &s, &alice()), evaluate(&p, &nfd, &alice()));
            }
        }
    }
}
