//! Reset tokens: what a token looks like in a link, and the only form stored (its SHA-256).
//!
//! Rules (OWASP Forgot Password Cheat Sheet; ASVS 2.5.1, 2.7.x): 256 bits from the OS CSPRNG,
//! URL-safe, stored hashed. A token is 43 characters of unpadded base64url; anything else is
//! rejected before any database work. Issuing lives behind the `server` feature (randomness).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Bytes of randomness in a token.
pub const TOKEN_BYTES: usize = 32;
/// Length of the text form: 32 bytes in unpadded base64url.
pub const TOKEN_CHARS: usize = 43;

/// A token as it appears in a link. Deliberately not `Debug`/`Display`/`Serialize`, so it
/// cannot end up in a log line or a JSON body by accident.
pub struct PlainToken(String);

impl PlainToken {
    /// The text to put in the emailed link. The only way to read the secret.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// The hash stored in the database for this token.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

/// SHA-256 of a token's text form, lowercase hex. Safe to store and to log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    fn of(text: &str) -> Self {
        TokenHash(hex::encode(Sha256::digest(text.as_bytes())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a presented token string is not even worth a database lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    #[error("the link has no token")]
    Missing,
    #[error("the token in the link is malformed")]
    Malformed,
}

/// Checks the shape of a token from a link (after the person may have mangled it in copy/paste)
/// and returns its hash for the lookup.
pub fn parse(presented: &str) -> Result<TokenHash, TokenFormatError> {
    let t = presented.trim();
    if t.is_empty() {
        return Err(TokenFormatError::Missing);
    }
    if t.len() != TOKEN_CHARS {
        return Err(TokenFormatError::Malformed);
    }
    match URL_SAFE_NO_PAD.decode(t) {
        Ok(bytes) if bytes.len() == TOKEN_BYTES => Ok(TokenHash::of(t)),
        _ => Err(TokenFormatError::Malformed),
    }
}

/// Issues a fresh token from the operating system's CSPRNG.
#[cfg(feature = "server")]
pub fn issue() -> Result<PlainToken, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::getrandom(&mut bytes)?;
    Ok(PlainToken(URL_SAFE_NO_PAD.encode(bytes)))
}

/// Builds a token from known text; for tests that need a deterministic value.
pub fn from_text_for_tests(text: &str) -> PlainToken {
    PlainToken(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_and_wrong_lengths_are_rejected() {
        assert_eq!(parse(""), Err(TokenFormatError::Missing));
        assert_eq!(parse("abc"), Err(TokenFormatError::Malformed));
        assert_eq!(parse(&"A".repeat(44)), Err(TokenFormatError::Malformed));
        assert_eq!(parse(&"A".repeat(1 << 20)), Err(TokenFormatError::Malformed));
    }

    #[test]
    fn non_base64url_characters_are_rejected() {
        let mut t = "A".repeat(42);
        t.push('+');
        assert_eq!(parse(&t), Err(TokenFormatError::Malformed));
    }

    #[test]
    fn hash_is_stable_and_differs_per_token() {
        let a = from_text_for_tests(&"A".repeat(43));
        let b = from_text_for_tests(&"B".repeat(43));
        assert_eq!(a.hash(), parse(&"A".repeat(43)).unwrap());
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().as_str().len(), 64);
    }

    #[cfg(feature = "server")]
    #[test]
    fn issued_tokens_parse_and_are_unique() {
        let a = issue().unwrap();
        let b = issue().unwrap();
        assert_eq!(a.expose().len(), TOKEN_CHARS);
        assert_eq!(parse(a.expose()).unwrap(), a.hash());
        assert_ne!(a.expose(), b.expose());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = parse(&s);
        }

        #[test]
        fn any_43_char_base64url_parses_to_its_hash(bytes in proptest::collection::vec(any::<u8>(), 32)) {
            let text = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(parse(&text).unwrap(), from_text_for_tests(&text).hash());
        }
    }
}
