//! The local mailbox: in local mode without SMTP, each email becomes a `.eml` file (the exact
//! bytes an SMTP server would get) plus a `.json` summary that `/dev/mailbox` lists.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What `/dev/mailbox` shows of one email.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailboxEntry {
    pub file: String,
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub date: i64,
    pub text: String,
    pub links: Vec<String>,
}

/// Writes one email into `dir` (created if missing). Both files are written to a temporary name
/// first and renamed, so a reader never sees half an email.
pub async fn store(dir: &Path, entry: &MailboxEntry, eml: &[u8]) -> Result<()> {
    tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
    let base = dir.join(&entry.file);
    let eml_path = base.with_extension("eml");
    let json_path = base.with_extension("json");
    write_atomic(&eml_path, eml).await?;
    let json = serde_json::to_vec_pretty(entry).map_err(|e| Error::Internal(e.to_string()))?;
    write_atomic(&json_path, &json).await
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    tokio::fs::write(&tmp, bytes).await.map_err(io(&tmp))?;
    tokio::fs::rename(&tmp, path).await.map_err(io(path))
}

/// Every email in the mailbox, newest first. A missing folder is an empty mailbox.
pub async fn list(dir: &Path) -> Result<Vec<MailboxEntry>> {
    let mut out = Vec::new();
    let mut rd = match tokio::fs::read_dir(dir).await {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(dir)(e)),
    };
    while let Some(ent) = rd.next_entry().await.map_err(io(dir))? {
        let p: PathBuf = ent.path();
        if p.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let bytes = tokio::fs::read(&p).await.map_err(io(&p))?;
        match serde_json::from_slice::<MailboxEntry>(&bytes) {
            Ok(e) => out.push(e),
            Err(e) => tracing::warn!(file = %p.display(), error = %e, "skipping unreadable mailbox entry"),
        }
    }
    out.sort_by(|a, b| b.date.cmp(&a.date).then(b.file.cmp(&a.file)));
    Ok(out)
}

/// Every http(s) URL in a text body.
pub fn links_in(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_string())
        .collect()
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Internal(format!("mailbox {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stored_emails_are_listed_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        for (i, subject) in ["first", "second"].iter().enumerate() {
            let e = MailboxEntry {
                file: format!("{i}-m"),
                message_id: format!("<{i}@x>"),
                to: "a@example.com".into(),
                subject: subject.to_string(),
                date: 100 + i as i64,
                text: "open https://x.example/reset-password?token=abc.".into(),
                links: links_in("open https://x.example/reset-password?token=abc."),
            };
            store(dir.path(), &e, b"raw").await.unwrap();
        }
        let l = list(dir.path()).await.unwrap();
        assert_eq!(l.iter().map(|e| e.subject.as_str()).collect::<Vec<_>>(), ["second", "first"]);
        assert_eq!(l[0].links, ["https://x.example/reset-password?token=abc"]);
    }

    #[tokio::test]
    async fn missing_folder_is_an_empty_mailbox() {
        assert!(list(Path::new("/nonexistent/hmis-mailbox")).await.unwrap().is_empty());
    }
}
