//! Folding of usernames and email addresses into the one form every lookup uses.
//!
//! Rule (architecture.md "Identifiers"): trim, NFKC, Unicode default case fold, all in Rust, so
//! SQLite and PostgreSQL see the same bytes and no path relies on SQL `lower()` or collations.
//! `ALICE`, ` Alice ` and `ａｌｉｃｅ` (full-width) are the same account.

use unicode_normalization::UnicodeNormalization;

/// Longest identifier accepted, in bytes after folding. An email address is at most 254 bytes
/// (RFC 5321 path limit); usernames are far shorter. Anything longer is refused before any
/// database work (RB-16).
pub const MAX_IDENTIFIER_BYTES: usize = 254;

/// Why an identifier cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("enter your username or email address")]
    Empty,
    #[error("that is too long to be a username or email address")]
    TooLong,
    #[error("that contains characters a username or email address cannot contain")]
    InvalidCharacters,
}

/// Folds an identifier (username or email) to its canonical form.
///
/// Control characters and invisible format characters (zero-width joiners, bidi overrides) are
/// refused rather than stripped: silently removing them would let two different strings name the
/// same account in ways a person cannot see.
pub fn fold(raw: &str) -> Result<String, IdentifierError> {
    // Cheap bound before any Unicode work: NFKC can expand a string, but never by more than a
    // small factor, so anything this large is refused without normalising it.
    if raw.len() > MAX_IDENTIFIER_BYTES * 4 {
        return Err(IdentifierError::TooLong);
    }
    let normalised: String = raw.trim().nfkc().collect();
    let folded = caseless::default_case_fold_str(normalised.trim());
    // Case folding can produce non-NFKC text (e.g. U+0130); normalise once more so the result
    // is a fixed point: fold(fold(x)) == fold(x).
    let folded: String = folded.nfkc().collect();
    let folded = folded.trim().to_string();
    if folded.is_empty() {
        return Err(IdentifierError::Empty);
    }
    if folded.len() > MAX_IDENTIFIER_BYTES {
        return Err(IdentifierError::TooLong);
    }
    if folded.chars().any(is_forbidden) {
        return Err(IdentifierError::InvalidCharacters);
    }
    Ok(folded)
}

/// True when the folded identifier names an email address rather than a username.
pub fn is_email(folded: &str) -> bool {
    folded.contains('@')
}

/// Usernames and email addresses use letters and digits (any script) and `. _ - @ + '`;
/// everything else is refused rather than stripped, so two names that print alike cannot name
/// two accounts: spaces, symbols, blank-looking letters (Hangul fillers, braille blank), tag
/// characters, and invisible format characters.
fn is_forbidden(c: char) -> bool {
    let allowed = (c.is_alphanumeric() && !matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}'))
        || matches!(c, '.' | '_' | '-' | '@' | '+' | '\'');
    !allowed
        || c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM/RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}' // BOM / zero-width no-break space
            | '\u{00AD}' // soft hyphen
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn case_and_padding_variants_fold_to_one_name() {
        for v in ["alice", "ALICE", " Alice ", "\tAlIcE\n", "ａｌｉｃｅ"] {
            assert_eq!(fold(v).as_deref(), Ok("alice"), "variant {v:?}");
        }
    }

    #[test]
    fn german_sharp_s_folds_like_ss() {
        assert_eq!(fold("STRASSE"), fold("straße"));
    }

    #[test]
    fn empty_and_blank_are_refused() {
        assert_eq!(fold(""), Err(IdentifierError::Empty));
        assert_eq!(fold("   \t"), Err(IdentifierError::Empty));
    }

    #[test]
    fn one_megabyte_identifier_is_too_long() {
        assert_eq!(fold(&"a".repeat(1 << 20)), Err(IdentifierError::TooLong));
        assert_eq!(fold(&"a".repeat(255)), Err(IdentifierError::TooLong));
        assert!(fold(&"a".repeat(254)).is_ok());
    }

    #[test]
    fn invisible_characters_are_refused_not_stripped() {
        assert_eq!(fold("al\u{200B}ice"), Err(IdentifierError::InvalidCharacters));
        assert_eq!(fold("alice\u{202E}"), Err(IdentifierError::InvalidCharacters));
        assert_eq!(fold("ali\u{0000}ce"), Err(IdentifierError::InvalidCharacters));
    }

    #[test]
    fn blank_looking_and_symbol_characters_are_refused() {
        for bad in ["alice\u{3164}", "alice\u{FFA0}", "\u{115F}alice", "ali\u{034F}ce", "alice\u{180E}", "alice\u{2800}", "alice\u{E0041}", "al ice", "alice\u{2028}x", "alice!", "a<b>"] {
            assert_eq!(fold(bad), Err(IdentifierError::InvalidCharacters), "{bad:?}");
        }
        for good in ["alice", "o'brien@example.org", "first.last+hmis@example.org", "jean-luc_2", "zoë", "ñandú", "аlice"] {
            assert!(fold(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn email_detection_uses_the_at_sign() {
        assert!(is_email(&fold("Alice@Example.com").unwrap()));
        assert!(!is_email(&fold("alice").unwrap()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,80}") {
            if let Ok(once) = fold(&s) {
                prop_assert_eq!(fold(&once), Ok(once.clone()));
            }
        }

        #[test]
        fn folding_never_panics_and_respects_the_bound(s in any::<String>()) {
            if let Ok(f) = fold(&s) {
                prop_assert!(!f.is_empty() && f.len() <= MAX_IDENTIFIER_BYTES);
                prop_assert_eq!(f.trim(), f.as_str());
            }
        }

        #[test]
        fn surrounding_whitespace_never_matters(s in "[a-zA-Z0-9._@-]{1,40}", l in "[ \t]{0,3}", r in "[ \t]{0,3}") {
            prop_assert_eq!(fold(&format!("{l}{s}{r}")), fold(&s));
        }
    }
}
