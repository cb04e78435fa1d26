//! Parsing of the HTTP `Range` header (RFC 9110 §14.1.2), byte ranges only.
//!
//! Hand-written because the common crate treats a suffix longer than the file, and any
//! range of an empty file, differently from the RFC; the grammar is small.

/// An inclusive byte range within a file of known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeError {
    /// Not a byte-range header we understand: serve the whole file.
    Malformed,
    /// Well-formed but no range overlaps the file: 416.
    Unsatisfiable,
}

/// Parses `header` for a file of `len` bytes. With several ranges, the first satisfiable
/// one is served (browsers and media stacks send one).
pub fn parse_range(header: &str, len: u64) -> Result<ByteRange, RangeError> {
    let set = header.trim().strip_prefix("bytes=").ok_or(RangeError::Malformed)?;
    let mut parsed = Vec::new();
    for spec in set.split(',') {
        let (first, last) = spec.trim().split_once('-').ok_or(RangeError::Malformed)?;
        let num = |s: &str| -> Result<Option<u64>, RangeError> {
            match s.trim() {
                "" => Ok(None),
                t if t.bytes().all(|b| b.is_ascii_digit()) => t.parse().map(Some).map_err(|_| RangeError::Malformed),
                _ => Err(RangeError::Malformed),
            }
        };
        match (num(first)?, num(last)?) {
            (Some(a), Some(b)) if a > b => return Err(RangeError::Malformed),
            (None, None) => return Err(RangeError::Malformed),
            pair => parsed.push(pair),
        }
    }
    parsed
        .into_iter()
        .find_map(|pair| match pair {
            (Some(a), last) if a < len => Some(ByteRange {
                start: a,
                end: last.map_or(len - 1, |b| b.min(len - 1)),
            }),
            (None, Some(n)) if n > 0 && len > 0 => Some(ByteRange {
                start: len.saturating_sub(n),
                end: len - 1,
            }),
            _ => None,
        })
        .ok_or(RangeError::Unsatisfiable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(h: &str, len: u64) -> Result<(u64, u64), RangeError> {
        parse_range(h, len).map(|b| (b.start, b.end))
    }

    #[test]
    fn forms() {
        assert_eq!(r("bytes=0-99", 1000), Ok((0, 99)));
        assert_eq!(r("bytes=100-", 1000), Ok((100, 999)));
        assert_eq!(r("bytes=-100", 1000), Ok((900, 999)));
        assert_eq!(r("bytes=990-2000", 1000), Ok((990, 999)), "end is clamped to the file");
        assert_eq!(r("bytes=0-0,5-9", 1000), Ok((0, 0)), "first of several");
        assert_eq!(r("bytes=-5000", 1000), Ok((0, 999)), "suffix longer than the file");
    }

    #[test]
    fn unsatisfiable_and_malformed() {
        assert_eq!(r("bytes=1000-", 1000), Err(RangeError::Unsatisfiable));
        assert_eq!(r("bytes=5-1", 1000), Err(RangeError::Malformed), "invalid spec: ignore the header");
        assert_eq!(r("bytes=0-", 0), Err(RangeError::Unsatisfiable));
        assert_eq!(r("bytes=-0", 1000), Err(RangeError::Unsatisfiable));
        assert_eq!(r("items=0-5", 1000), Err(RangeError::Malformed));
        assert_eq!(r("bytes=abc", 1000), Err(RangeError::Malformed));
        assert_eq!(r("", 1000), Err(RangeError::Malformed));
        assert_eq!(r("bytes=-", 1000), Err(RangeError::Malformed));
        assert_eq!(r("bytes=1-2-3", 1000), Err(RangeError::Malformed));
        assert_eq!(r("bytes=99999999999999999999-", 1000), Err(RangeError::Malformed));
    }
}
