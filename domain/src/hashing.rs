//! Password hashing: argon2id with configurable cost, PHC strings, and the dummy hash that keeps
//! unknown usernames as slow as real ones.
//!
//! Rules: OWASP Password Storage Cheat Sheet / ASVS 2.4.1 (argon2id, m=19456 KiB, t=2, p=1 by
//! default); ASVS 2.4.5 (an optional secret "pepper", argon2's own secret input, kept outside the
//! database; hashes made with it carry `keyid=p1` in their PHC string, so each verification is
//! exactly one argon2 run and old hashes are upgraded on the next sign-in); RB-14 (verify falls
//! back to the raw, un-normalised form once, for hashes stored before NFC was applied). Server
//! only (feature `server`): never in the wasm bundle.

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, KeyId, Params, ParamsBuilder, Version};

/// The `keyid` recorded in hashes made with the pepper.
const PEPPER_KEY_ID: &[u8] = b"p1";

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for Cost {
    fn default() -> Self {
        Cost { m_kib: 19_456, t: 2, p: 1 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("invalid argon2 parameters: {0}")]
    Params(String),
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("stored hash is not a valid PHC string")]
    BadStoredHash,
    #[error("a stored hash was made with a pepper, but no pepper is configured (HMIS_PASSWORD_PEPPER)")]
    PepperMissing,
}

/// Outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Matches; `rehash` says the stored hash should be replaced (old cost or pre-NFC form).
    Match { rehash: bool },
    Mismatch,
}

/// argon2's working memory (m KiB), kept by a hashing thread and reused for every verification,
/// so a sign-in allocates and page-faults nothing: faster, and the server's memory stays at
/// workers × m however many sign-ins arrive (issue 6; a fresh 19 MiB block per sign-in left
/// every allocator arena holding one).
pub struct Memory(Vec<Block>);

impl Memory {
    /// Memory for hashes of `cost`. Allocated (and written) here, once.
    pub fn for_cost(cost: Cost) -> Result<Self, HashError> {
        let params = Params::new(cost.m_kib, cost.t, cost.p, None).map_err(|e| HashError::Params(e.to_string()))?;
        Ok(Memory(vec![Block::default(); params.block_count()]))
    }
}

/// A hasher for one cost setting and, optionally, a pepper.
#[derive(Clone)]
pub struct Hasher {
    cost: Cost,
    argon: Argon2<'static>,
    pepper: Option<Vec<u8>>,
}

impl Hasher {
    pub fn new(cost: Cost) -> Result<Self, HashError> {
        Self::with_pepper(cost, None)
    }

    /// A hasher that mixes `pepper` (a secret kept outside the database) into new hashes.
    pub fn with_pepper(cost: Cost, pepper: Option<Vec<u8>>) -> Result<Self, HashError> {
        let params = Params::new(cost.m_kib, cost.t, cost.p, None)
            .map_err(|e| HashError::Params(e.to_string()))?;
        let pepper = pepper.filter(|p| !p.is_empty());
        Ok(Hasher { cost, argon: Argon2::new(Algorithm::Argon2id, Version::V0x13, params), pepper })
    }

    /// The argon2 context for new hashes: with the pepper (and its key id) when one is set.
    fn for_new_hashes(&self) -> Result<Argon2<'_>, HashError> {
        match &self.pepper {
            None => Ok(self.argon.clone()),
            Some(p) => {
                let mut b = ParamsBuilder::new();
                b.m_cost(self.cost.m_kib).t_cost(self.cost.t).p_cost(self.cost.p);
                b.keyid(KeyId::new(PEPPER_KEY_ID).map_err(|e| HashError::Params(e.to_string()))?);
                let params = b.build().map_err(|e| HashError::Params(e.to_string()))?;
                Argon2::new_with_secret(p, Algorithm::Argon2id, Version::V0x13, params).map_err(|e| HashError::Params(e.to_string()))
            }
        }
    }

    /// One argon2 run of `password` with the stored hash's own algorithm, version, parameters
    /// and salt (peppered hashes need the pepper), in `memory`; true when the output matches
    /// (compared in constant time by `Output`). What `PasswordVerifier` does, minus allocating.
    fn matches_in(&self, password: &[u8], parsed: &PasswordHash<'_>, memory: &mut Memory) -> Result<bool, HashError> {
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(HashError::BadStoredHash);
        };
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| HashError::BadStoredHash)?;
        let version = parsed.version.map(Version::try_from).transpose().map_err(|_| HashError::BadStoredHash)?.unwrap_or_default();
        let params = Params::try_from(parsed).map_err(|_| HashError::BadStoredHash)?;
        let blocks = params.block_count();
        let argon = match (params.keyid().is_empty(), &self.pepper) {
            (true, _) => Argon2::new(algorithm, version, params),
            (false, Some(p)) => Argon2::new_with_secret(p, algorithm, version, params).map_err(|e| HashError::Params(e.to_string()))?,
            (false, None) => return Err(HashError::PepperMissing),
        };
        let mut salt_buf = [0u8; 64];
        let salt = salt.decode_b64(&mut salt_buf).map_err(|_| HashError::BadStoredHash)?;
        let mut out_buf = [0u8; Output::MAX_LENGTH];
        let out = out_buf.get_mut(..expected.len()).ok_or(HashError::BadStoredHash)?;
        // A hash stored at a larger, older cost gets memory of its own for this one run.
        let mut larger;
        let blocks = match memory.0.get_mut(..blocks) {
            Some(b) => b,
            None => {
                larger = vec![Block::default(); blocks];
                &mut larger[..]
            }
        };
        argon.hash_password_into_with_memory(password, salt, out, blocks).map_err(|e| HashError::Hash(e.to_string()))?;
        Ok(Output::new(out).map_err(|_| HashError::BadStoredHash)? == expected)
    }

    pub fn cost(&self) -> Cost {
        self.cost
    }

    /// Hashes an already-normalised password into a PHC string.
    pub fn hash(&self, normalised_password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        self.for_new_hashes()?
            .hash_password(normalised_password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    }

    /// Verifies `raw` (as typed) against a stored PHC string: first its NFC form, then, once,
    /// the raw form for hashes stored before normalisation existed (RB-14). Allocates its
    /// working memory; hashing threads use [`Hasher::verify_in`] with memory they keep.
    pub fn verify(&self, raw: &str, stored_phc: &str) -> Result<Check, HashError> {
        self.verify_in(raw, stored_phc, &mut Memory::for_cost(self.cost)?)
    }

    /// [`Hasher::verify`] in reused working memory.
    pub fn verify_in(&self, raw: &str, stored_phc: &str, memory: &mut Memory) -> Result<Check, HashError> {
        let parsed = PasswordHash::new(stored_phc).map_err(|_| HashError::BadStoredHash)?;
        let nfc = crate::password::normalize(raw);
        if self.matches_in(nfc.as_bytes(), &parsed, memory)? {
            return Ok(Check::Match { rehash: self.outdated(&parsed) });
        }
        if nfc != raw && self.matches_in(raw.as_bytes(), &parsed, memory)? {
            return Ok(Check::Match { rehash: true });
        }
        Ok(Check::Mismatch)
    }

    /// A hash of a random value at this cost, verified against when a username is unknown so
    /// every sign-in costs one verification (zero2prod; ASVS 2.2 timing).
    pub fn dummy_hash(&self) -> Result<String, HashError> {
        let mut noise = [0u8; 32];
        getrandom::getrandom(&mut noise).map_err(|e| HashError::Hash(e.to_string()))?;
        self.hash(&hex::encode(noise))
    }

    fn outdated(&self, parsed: &PasswordHash<'_>) -> bool {
        match Params::try_from(parsed) {
            Ok(p) => {
                p.m_cost() != self.cost.m_kib
                    || p.t_cost() != self.cost.t
                    || p.p_cost() != self.cost.p
                    || (self.pepper.is_some() && p.keyid().is_empty())
            }
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Hasher {
        Hasher::new(Cost { m_kib: 256, t: 1, p: 1 }).unwrap()
    }

    #[test]
    fn hash_then_verify_round_trips() {
        let h = fast();
        let phc = h.hash("Quiet-Harbor-41").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert_eq!(h.verify("Quiet-Harbor-41", &phc).unwrap(), Check::Match { rehash: false });
        assert_eq!(h.verify("Quiet-Harbor-42", &phc).unwrap(), Check::Mismatch);
    }

    #[test]
    fn nfd_typed_password_matches_nfc_stored_one() {
        let h = fast();
        let phc = h.hash(&crate::password::normalize("V\u{e9}lo-du-matin-12")).unwrap();
        assert!(matches!(h.verify("Ve\u{301}lo-du-matin-12", &phc).unwrap(), Check::Match { .. }));
    }

    #[test]
    fn pre_normalisation_hash_still_verifies_and_asks_for_rehash() {
        let h = fast();
        let raw = "Ve\u{301}lo-du-matin-12";
        let legacy = h.hash(raw).unwrap(); // stored raw (NFD) before the rule existed
        assert_eq!(h.verify(raw, &legacy).unwrap(), Check::Match { rehash: true });
    }

    #[test]
    fn other_cost_asks_for_rehash() {
        let old = fast().hash("Quiet-Harbor-41").unwrap();
        let newer = Hasher::new(Cost { m_kib: 512, t: 1, p: 1 }).unwrap();
        assert_eq!(newer.verify("Quiet-Harbor-41", &old).unwrap(), Check::Match { rehash: true });
    }

    fn peppered(p: &[u8]) -> Hasher {
        Hasher::with_pepper(Cost { m_kib: 256, t: 1, p: 1 }, Some(p.to_vec())).unwrap()
    }

    #[test]
    fn peppered_hashes_need_the_pepper() {
        let h = peppered(b"0123456789abcdef0123456789abcdef");
        let phc = h.hash("Quiet-Harbor-41").unwrap();
        assert!(phc.contains("keyid="), "{phc}");
        assert_eq!(h.verify("Quiet-Harbor-41", &phc).unwrap(), Check::Match { rehash: false });
        assert_eq!(h.verify("Quiet-Harbor-42", &phc).unwrap(), Check::Mismatch);
        // Another pepper does not verify it; no pepper at all is a configuration error.
        assert_eq!(peppered(b"another-pepper-value-0123456789ab").verify("Quiet-Harbor-41", &phc).unwrap(), Check::Mismatch);
        assert!(matches!(fast().verify("Quiet-Harbor-41", &phc), Err(HashError::PepperMissing)));
    }

    #[test]
    fn hashes_from_before_the_pepper_verify_and_ask_for_rehash() {
        let plain = fast().hash("Quiet-Harbor-41").unwrap();
        let h = peppered(b"0123456789abcdef0123456789abcdef");
        assert_eq!(h.verify("Quiet-Harbor-41", &plain).unwrap(), Check::Match { rehash: true });
    }

    #[test]
    fn garbage_stored_hash_is_an_error_not_a_panic() {
        assert!(matches!(fast().verify("x", "not a hash"), Err(HashError::BadStoredHash)));
    }

    #[test]
    fn reused_memory_agrees_with_argon2s_own_verifier() {
        use argon2::password_hash::PasswordVerifier;
        let h = fast();
        let mut memory = Memory::for_cost(h.cost()).unwrap();
        // Hashes this hasher did not make: another cost (larger than the memory), another output
        // length, argon2i; each checked by argon2's PasswordVerifier and by verify_in.
        let foreign = |m, t, out, alg| {
            let params = Params::new(m, t, 1, Some(out)).unwrap();
            let salt = SaltString::generate(&mut OsRng);
            Argon2::new(alg, Version::V0x13, params).hash_password(b"Quiet-Harbor-41", &salt).unwrap().to_string()
        };
        let stored = [
            h.hash("Quiet-Harbor-41").unwrap(),
            foreign(1024, 1, 32, Algorithm::Argon2id),
            foreign(256, 2, 16, Algorithm::Argon2id),
            foreign(256, 1, 64, Algorithm::Argon2i),
        ];
        for phc in &stored {
            let parsed = PasswordHash::new(phc).unwrap();
            for (pw, ok) in [("Quiet-Harbor-41", true), ("Quiet-Harbor-42", false)] {
                assert_eq!(Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok(), ok, "{phc}");
                assert_eq!(matches!(h.verify_in(pw, phc, &mut memory).unwrap(), Check::Match { .. }), ok, "{phc} {pw}");
            }
        }
        assert_eq!(memory.0.len(), 256, "a larger stored cost does not grow the kept memory");
    }

    #[test]
    fn trailing_space_matters() {
        let h = fast();
        let phc = h.hash("  two  spaces inside and out  ").unwrap();
        assert_eq!(h.verify("two  spaces inside and out", &phc).unwrap(), Check::Mismatch);
    }
}
