//! Structured Field Values for HTTP (RFC 8941): the Lists and Dictionaries that CMSD
//! (CTA-5006) and CMCD (CTA-5004) headers are written in. Bounded: a header longer than
//! [`MAX_FIELD_LEN`] or with more than [`MAX_MEMBERS`] members is refused.

use thiserror::Error;

/// Longest field value accepted, bytes.
pub const MAX_FIELD_LEN: usize = 16 * 1024;
/// Most members (and parameters per member) accepted.
pub const MAX_MEMBERS: usize = 256;

/// A structured-field syntax error, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SfError {
    /// Something other than what the grammar allows at this point.
    #[error("structured field: expected {expected} at byte {offset}")]
    Expected {
        /// What the grammar wanted.
        expected: &'static str,
        /// Byte offset in the field value.
        offset: usize,
    },
    /// An integer with more than 15 digits, or a decimal with more than 12 + 3.
    #[error("structured field: number out of range at byte {offset}")]
    NumberOutOfRange {
        /// Byte offset in the field value.
        offset: usize,
    },
    /// The field is longer than [`MAX_FIELD_LEN`] or has more than [`MAX_MEMBERS`] members.
    #[error("structured field: too large (limit {limit})")]
    TooLarge {
        /// The limit that was hit.
        limit: usize,
    },
}

/// A bare item (RFC 8941 §3.3).
#[derive(Debug, Clone, PartialEq)]
pub enum BareItem {
    /// `-?[0-9]{1,15}`
    Integer(i64),
    /// `-?[0-9]{1,12}.[0-9]{1,3}`
    Decimal(f64),
    /// `"..."` with `\"` and `\\` escapes.
    String(String),
    /// A token such as `v` or `abc/def:1`.
    Token(String),
    /// `:base64:`
    ByteSequence(Vec<u8>),
    /// `?0` or `?1` (a bare key in a dictionary or parameter is `?1`).
    Boolean(bool),
}

impl BareItem {
    /// The integer, when this is one.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Self::Integer(i) => Some(*i),
            _ => None,
        }
    }
    /// The number, integer or decimal.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Self::Integer(i) => Some(*i as f64),
            Self::Decimal(d) => Some(*d),
            _ => None,
        }
    }
    /// The text of a string or a token.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::String(s) | Self::Token(s) => Some(s),
            _ => None,
        }
    }
    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Boolean(b) => Some(*b),
            _ => None,
        }
    }
}

/// Parameters: ordered `(key, value)` pairs; a later duplicate key wins when looked up.
pub type Parameters = Vec<(String, BareItem)>;

/// A member of a List or a Dictionary.
#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    /// One item with its parameters.
    Item(BareItem, Parameters),
    /// `(a b c);p` — items each with parameters, and the list's parameters.
    InnerList(Vec<(BareItem, Parameters)>, Parameters),
}

impl Member {
    /// The parameters of the member.
    pub fn params(&self) -> &Parameters {
        match self {
            Self::Item(_, p) | Self::InnerList(_, p) => p,
        }
    }
    /// The bare item, when the member is not an inner list.
    pub fn item(&self) -> Option<&BareItem> {
        match self {
            Self::Item(i, _) => Some(i),
            Self::InnerList(..) => None,
        }
    }
}

/// Look a key up in parameters (the last occurrence wins, as RFC 8941 says).
pub fn param<'p>(params: &'p Parameters, key: &str) -> Option<&'p BareItem> {
    params.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

impl Parser<'_> {
    fn err<T>(&self, expected: &'static str) -> Result<T, SfError> {
        Err(SfError::Expected {
            expected,
            offset: self.pos,
        })
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }
    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn key(&mut self) -> Result<String, SfError> {
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => {}
            _ => return self.err("a key (lowercase letter or '*')"),
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-.*".contains(&c) {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn params(&mut self) -> Result<Parameters, SfError> {
        let mut out = Vec::new();
        while self.peek() == Some(b';') {
            self.pos += 1;
            self.skip_sp();
            let k = self.key()?;
            let v = if self.peek() == Some(b'=') {
                self.pos += 1;
                self.bare()?
            } else {
                BareItem::Boolean(true)
            };
            if out.len() >= MAX_MEMBERS {
                return Err(SfError::TooLarge { limit: MAX_MEMBERS });
            }
            out.push((k, v));
        }
        Ok(out)
    }

    fn bare(&mut self) -> Result<BareItem, SfError> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string(),
            Some(b':') => self.bytes(),
            Some(b'?') => {
                self.pos += 1;
                let b = match self.peek() {
                    Some(b'0') => false,
                    Some(b'1') => true,
                    _ => return self.err("?0 or ?1"),
                };
                self.pos += 1;
                Ok(BareItem::Boolean(b))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if is_tchar(c) || c == b':' || c == b'/' {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Ok(BareItem::Token(
                    String::from_utf8_lossy(&self.s[start..self.pos]).into_owned(),
                ))
            }
            _ => self.err("an item"),
        }
    }

    fn number(&mut self) -> Result<BareItem, SfError> {
        let start = self.pos;
        let neg = self.peek() == Some(b'-');
        if neg {
            self.pos += 1;
        }
        let digits_start = self.pos;
        let mut dot = None;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' => self.pos += 1,
                b'.' if dot.is_none() => {
                    if self.pos - digits_start > 12 {
                        return Err(SfError::NumberOutOfRange { offset: start });
                    }
                    dot = Some(self.pos);
                    self.pos += 1;
                }
                _ => break,
            }
            if dot.is_none() && self.pos - digits_start > 15 {
                return Err(SfError::NumberOutOfRange { offset: start });
            }
        }
        if self.pos == digits_start {
            self.pos = digits_start;
            return self.err("a digit");
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
        match dot {
            None => text
                .parse::<i64>()
                .map(BareItem::Integer)
                .map_err(|_| SfError::NumberOutOfRange { offset: start }),
            Some(d) => {
                let frac = self.pos - d - 1;
                if frac == 0 {
                    return self.err("a digit after '.'");
                }
                if frac > 3 {
                    return Err(SfError::NumberOutOfRange { offset: start });
                }
                // At most 12 + 3 digits: the scaled integer is exact in an f64, and one
                // division by an exact power of ten rounds correctly, as parsing would
                // (without pulling a float parser and its tables into the wasm).
                let scaled: String = text.chars().filter(|c| *c != '.').collect();
                let scaled = scaled
                    .parse::<i64>()
                    .map_err(|_| SfError::NumberOutOfRange { offset: start })?;
                Ok(BareItem::Decimal(
                    scaled as f64 / [1.0, 10.0, 100.0, 1000.0][frac],
                ))
            }
        }
    }

    fn string(&mut self) -> Result<BareItem, SfError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return self.err("a closing '\"'"),
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c as char);
                            self.pos += 1;
                        }
                        _ => return self.err("'\"' or '\\' after '\\'"),
                    }
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(BareItem::String(out));
                }
                Some(c @ 0x20..=0x7e) => {
                    out.push(c as char);
                    self.pos += 1;
                }
                Some(_) => return self.err("a printable ASCII character"),
            }
        }
    }

    fn bytes(&mut self) -> Result<BareItem, SfError> {
        self.pos += 1;
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == b':' {
                break;
            }
            if !(c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=') {
                return self.err("base64");
            }
            self.pos += 1;
        }
        if self.peek() != Some(b':') {
            return self.err("a closing ':'");
        }
        let decoded = base64_decode(&self.s[start..self.pos]).ok_or(SfError::Expected {
            expected: "valid base64",
            offset: start,
        })?;
        self.pos += 1;
        Ok(BareItem::ByteSequence(decoded))
    }

    fn item_or_inner(&mut self) -> Result<Member, SfError> {
        if self.peek() == Some(b'(') {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                self.skip_sp();
                if self.peek() == Some(b')') {
                    self.pos += 1;
                    let p = self.params()?;
                    return Ok(Member::InnerList(items, p));
                }
                if items.len() >= MAX_MEMBERS {
                    return Err(SfError::TooLarge { limit: MAX_MEMBERS });
                }
                let i = self.bare()?;
                let p = self.params()?;
                items.push((i, p));
                match self.peek() {
                    Some(b' ' | b')') => {}
                    _ => return self.err("' ' or ')' in an inner list"),
                }
            }
        }
        let i = self.bare()?;
        let p = self.params()?;
        Ok(Member::Item(i, p))
    }

    /// After a member: end of input, or `OWS , OWS` and another member.
    fn next_member(&mut self) -> Result<bool, SfError> {
        self.skip_ows();
        if self.pos >= self.s.len() {
            return Ok(false);
        }
        if self.peek() != Some(b',') {
            return self.err("',' between members");
        }
        self.pos += 1;
        self.skip_ows();
        if self.pos >= self.s.len() {
            return self.err("a member after ','");
        }
        Ok(true)
    }
}

fn start(input: &str) -> Result<Parser<'_>, SfError> {
    if input.len() > MAX_FIELD_LEN {
        return Err(SfError::TooLarge {
            limit: MAX_FIELD_LEN,
        });
    }
    let mut p = Parser {
        s: input.as_bytes(),
        pos: 0,
    };
    p.skip_sp();
    Ok(p)
}

/// Parse a List field (`a;x=1, "b", (c d)`). An empty value is an empty list.
pub fn parse_list(input: &str) -> Result<Vec<Member>, SfError> {
    let input = input.trim_end_matches(' ');
    let mut p = start(input)?;
    let mut out = Vec::new();
    if p.pos >= p.s.len() {
        return Ok(out);
    }
    loop {
        if out.len() >= MAX_MEMBERS {
            return Err(SfError::TooLarge { limit: MAX_MEMBERS });
        }
        out.push(p.item_or_inner()?);
        if !p.next_member()? {
            return Ok(out);
        }
    }
}

/// Parse a Dictionary field (`a=1, b, c=?0;x`). A later duplicate key replaces the earlier.
pub fn parse_dictionary(input: &str) -> Result<Vec<(String, Member)>, SfError> {
    let input = input.trim_end_matches(' ');
    let mut p = start(input)?;
    let mut out: Vec<(String, Member)> = Vec::new();
    if p.pos >= p.s.len() {
        return Ok(out);
    }
    loop {
        let k = p.key()?;
        let m = if p.peek() == Some(b'=') {
            p.pos += 1;
            p.item_or_inner()?
        } else {
            Member::Item(BareItem::Boolean(true), p.params()?)
        };
        if let Some(slot) = out.iter_mut().find(|(ok, _)| *ok == k) {
            slot.1 = m;
        } else {
            if out.len() >= MAX_MEMBERS {
                return Err(SfError::TooLarge { limit: MAX_MEMBERS });
            }
            out.push((k, m));
        }
        if !p.next_member()? {
            return Ok(out);
        }
    }
}

/// Decode standard base64 (padding optional); None on a bad length or character.
pub(crate) fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let body = match s.iter().position(|&c| c == b'=') {
        Some(i) => {
            if s[i..].iter().any(|&c| c != b'=') || s.len() % 4 != 0 || s.len() - i > 2 {
                return None;
            }
            &s[..i]
        }
        None => s,
    };
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_dictionaries_and_items() {
        let l = parse_list(r#""CDN-A";etp=96;rtt=8;du, cdn-b;mb=5000, (1 2.5);x"#).unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].item(), Some(&BareItem::String("CDN-A".into())));
        assert_eq!(param(l[0].params(), "etp"), Some(&BareItem::Integer(96)));
        assert_eq!(param(l[0].params(), "du"), Some(&BareItem::Boolean(true)));
        assert_eq!(l[1].item(), Some(&BareItem::Token("cdn-b".into())));
        assert!(matches!(&l[2], Member::InnerList(items, p) if items.len() == 2 && p.len() == 1));

        let d =
            parse_dictionary(r#"ot=v, sf=h, d=4000, su, ht=?0, n="edge \"1\"", v=1, b=:aGVsbG8=:"#)
                .unwrap();
        let get = |k: &str| {
            d.iter()
                .find(|(dk, _)| dk == k)
                .unwrap()
                .1
                .item()
                .unwrap()
                .clone()
        };
        assert_eq!(get("ot"), BareItem::Token("v".into()));
        assert_eq!(get("su"), BareItem::Boolean(true));
        assert_eq!(get("ht"), BareItem::Boolean(false));
        assert_eq!(get("n"), BareItem::String("edge \"1\"".into()));
        assert_eq!(get("b"), BareItem::ByteSequence(b"hello".to_vec()));
        assert_eq!(parse_list("").unwrap(), vec![]);
    }

    #[test]
    fn syntax_errors_are_typed_with_offsets() {
        assert_eq!(
            parse_list("a,,b"),
            Err(SfError::Expected {
                expected: "an item",
                offset: 2
            })
        );
        assert!(matches!(
            parse_dictionary("A=1"),
            Err(SfError::Expected { offset: 0, .. })
        ));
        assert!(matches!(
            parse_list("1234567890123456"),
            Err(SfError::NumberOutOfRange { .. })
        ));
        assert!(matches!(
            parse_list("1.2345"),
            Err(SfError::NumberOutOfRange { .. })
        ));
        assert!(parse_list("\"open").is_err());
        assert!(parse_list("a,").is_err());
        assert!(parse_list(":abc$:").is_err());
        let long = "a,".repeat(MAX_MEMBERS + 1) + "a";
        assert_eq!(
            parse_list(&long),
            Err(SfError::TooLarge { limit: MAX_MEMBERS })
        );
    }

    #[test]
    fn base64_round_numbers() {
        assert_eq!(base64_decode(b"").unwrap(), b"");
        assert_eq!(base64_decode(b"Zg==").unwrap(), b"f");
        assert_eq!(base64_decode(b"Zm8").unwrap(), b"fo");
        assert_eq!(base64_decode(b"Zm9v").unwrap(), b"foo");
        assert!(base64_decode(b"Z").is_none());
        assert!(base64_decode(b"Zg=a").is_none());
    }
}
