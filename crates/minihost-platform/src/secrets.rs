//! Bearer secrets (tokens, authorization codes, device tokens): made as
//! `{prefix}{random}!{row id}`, stored as the SHA-256 of the part before `!`, and found again by
//! row id with a constant-time comparison of the hashes.

use rusqlite::{Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::ids;

/// A bearer secret before its row exists: the random part and its hash.
///
/// Lookups go by row id (the primary key) and then compare hashes, so the tables need no index
/// over random hashes, whose inserts land on random pages and dominated the cost of a commit.
pub(crate) struct NewSecret {
    head: String,
    pub(crate) hash: [u8; 32],
}

impl NewSecret {
    /// `prefix` is TikTok's (`act.`, `rft.`, `clt.`), the host API's (`dvt.`) or empty for codes.
    pub(crate) fn generate(prefix: &str) -> NewSecret {
        let head = format!("{prefix}{}", ids::random_alphanumeric(40));
        NewSecret {
            hash: secret_hash(&head),
            head,
        }
    }

    /// The value handed out once the row has `id`.
    pub(crate) fn finish(self, id: i64) -> String {
        format!("{}!{id}", self.head)
    }
}

/// Splits a value made by [`NewSecret::finish`] into its row id and the hash to compare.
/// Anything else (including a value with a changed prefix) never matches a row.
fn parse_secret(value: &str) -> Option<(i64, [u8; 32])> {
    let (head, id) = value.rsplit_once('!')?;
    let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
    Some((id, secret_hash(head)))
}

fn secret_hash(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// Compares secrets or hashes in time independent of where they differ.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The row that the secret `value` names, read by `read` (given the row id), or `None` when
/// `value` is malformed, names no row, or its hash differs. `query` selects `secret_hash` first
/// and takes the row id as `?1`.
pub(crate) fn find<T>(
    conn: &Connection,
    value: &str,
    query: &str,
    read: impl FnOnce(i64, &Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    let Some((id, hash)) = parse_secret(value) else {
        return Ok(None);
    };
    let row = conn
        .prepare_cached(query)?
        .query_row([id], |r| {
            let stored: Vec<u8> = r.get(0)?;
            if same(&stored, &hash) {
                read(id, r).map(Some)
            } else {
                Ok(None)
            }
        })
        .optional()?;
    Ok(row.flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_prefix_and_row_id_and_verify_by_hash() {
        let secret = NewSecret::generate("act.");
        let hash = secret.hash;
        let token = secret.finish(42);
        assert!(token.starts_with("act.") && token.ends_with("!42"), "{token}");
        let (id, parsed) = parse_secret(&token).unwrap();
        assert_eq!(id, 42);
        assert!(same(&parsed, &hash));
        let renamed = token.replacen("act.", "rft.", 1);
        assert!(!same(&parse_secret(&renamed).unwrap().1, &hash));
        assert_ne!(token, NewSecret::generate("act.").finish(42));
        for junk in ["", "!", "abc", "abc!", "abc!x", "abc!-1", "abc!0", "a!99999999999999999999"] {
            assert_eq!(parse_secret(junk), None, "{junk}");
        }
    }

    #[test]
    fn comparing_needs_equal_length_and_bytes() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(same(b"", b""));
    }

    #[test]
    fn find_reads_only_the_row_whose_hash_matches() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, secret_hash BLOB NOT NULL, name TEXT NOT NULL)")
            .unwrap();
        let secret = NewSecret::generate("x.");
        conn.execute("INSERT INTO t (secret_hash, name) VALUES (?1, 'one')", [secret.hash])
            .unwrap();
        let value = secret.finish(conn.last_insert_rowid());
        let query = "SELECT secret_hash, name FROM t WHERE id = ?1";
        let name = |v: &str| find(&conn, v, query, |id, r| Ok((id, r.get::<_, String>(1)?))).unwrap();
        assert_eq!(name(&value), Some((1, "one".to_string())));
        assert_eq!(name(&value.replacen("x.", "y.", 1)), None);
        assert_eq!(name("x.abc!2"), None);
        assert_eq!(name("garbage"), None);
    }
}
