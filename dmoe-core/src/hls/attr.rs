//! HLS attribute lists (`NAME=value,NAME="quoted",...`, RFC 8216 §4.2) and variable
//! substitution (`EXT-X-DEFINE`, rfc8216bis §4.3.5).

use std::borrow::Cow;

use crate::error::{Rule, ValueProblem};

/// One attribute's value as written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttrValue<'a> {
    /// Without the quotes for a quoted string.
    pub(crate) raw: &'a str,
}

/// Iterates the `NAME=value` pairs of an attribute list.
///
/// Tolerates white space around names and separators (widespread in real playlists);
/// anything else malformed ends the iteration with an error.
#[derive(Debug)]
pub(crate) struct AttrIter<'a> {
    rest: &'a str,
    /// A quoted value ran to the end of the line without its closing quote.
    pub(crate) unterminated: bool,
}

impl<'a> AttrIter<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Self {
            rest: s,
            unterminated: false,
        }
    }
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<(&'a str, AttrValue<'a>), ValueProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.rest.trim_start_matches([' ', '\t']);
        if s.is_empty() {
            return None;
        }
        let Some(eq) = s.find('=') else {
            self.rest = "";
            return Some(Err(ValueProblem::Malformed));
        };
        let name = s[..eq].trim_end();
        if name.is_empty() || name.contains(',') {
            self.rest = "";
            return Some(Err(ValueProblem::Malformed));
        }
        let v = &s[eq + 1..];
        let (value, after) = if let Some(q) = v.strip_prefix('"') {
            let Some(close) = q.find('"') else {
                // Take the rest of the line, as players do, and let the caller warn.
                self.rest = "";
                self.unterminated = true;
                return Some(Ok((name, AttrValue { raw: q })));
            };
            (AttrValue { raw: &q[..close] }, &q[close + 1..])
        } else {
            let end = v.find(',').unwrap_or(v.len());
            (
                AttrValue {
                    raw: v[..end].trim_end(),
                },
                &v[end..],
            )
        };
        let after = after.trim_start_matches([' ', '\t']);
        self.rest = match after.strip_prefix(',') {
            Some(r) => r,
            None if after.is_empty() => "",
            None => {
                self.rest = "";
                return Some(Err(ValueProblem::Malformed));
            }
        };
        Some(Ok((name, value)))
    }
}

/// Variables defined by `EXT-X-DEFINE`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Variables {
    pub(crate) vars: Vec<(String, String)>,
    /// Variables declared by `IMPORT`/`QUERYPARAM` whose value this parse cannot know;
    /// references to them are kept as written.
    pub(crate) unresolved: Vec<String>,
}

fn is_var_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

impl Variables {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Define a variable; a second definition of the same name is an error.
    pub(crate) fn define(&mut self, name: &str, value: String) -> Result<(), Rule> {
        if self.get(name).is_some() {
            return Err(Rule::DuplicateVariable {
                name: name.to_owned(),
            });
        }
        self.vars.push((name.to_owned(), value));
        Ok(())
    }

    /// Replace every `{$name}` in `s`. A reference to an undefined variable is an error.
    pub(crate) fn substitute<'a>(&self, s: &'a str) -> Result<Cow<'a, str>, Rule> {
        if !s.contains("{$") {
            return Ok(Cow::Borrowed(s));
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(pos) = rest.find("{$") {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 2..];
            let name_len = after.bytes().take_while(|&c| is_var_char(c)).count();
            if name_len > 0 && after.as_bytes().get(name_len) == Some(&b'}') {
                let name = &after[..name_len];
                match self.get(name) {
                    Some(value) => out.push_str(value),
                    None if self.unresolved.iter().any(|u| u == name) => {
                        out.push_str(&rest[pos..pos + 3 + name_len]);
                    }
                    None => {
                        return Err(Rule::UndefinedVariable {
                            name: name.to_owned(),
                        });
                    }
                }
                rest = &after[name_len + 1..];
            } else {
                out.push_str("{$");
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(Cow::Owned(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(s: &str) -> Result<Vec<(String, String)>, ValueProblem> {
        AttrIter::new(s)
            .map(|r| r.map(|(n, v)| (n.to_owned(), v.raw.to_owned())))
            .collect()
    }

    #[test]
    fn parses_attribute_lists() {
        let v = collect(r#"BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360"#)
            .unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1], ("CODECS".into(), "avc1.4d401f,mp4a.40.2".into()));
        assert_eq!(v[2], ("RESOLUTION".into(), "640x360".into()));
        assert_eq!(collect("A=1, B=2").unwrap().len(), 2);
        assert_eq!(collect("").unwrap().len(), 0);
    }

    #[test]
    fn rejects_malformed_lists() {
        let mut it = AttrIter::new(r#"URI="unterminated"#);
        assert_eq!(it.next().unwrap().unwrap().1.raw, "unterminated");
        assert!(it.unterminated);
        assert!(collect("NOVALUE").is_err());
        assert!(collect(r#"A="x"B=1"#).is_err());
    }

    #[test]
    fn substitutes_variables() {
        let mut v = Variables::default();
        v.define("host", "cdn.example".into()).unwrap();
        assert!(v.define("host", "x".into()).is_err());
        assert_eq!(
            v.substitute("https://{$host}/a.ts").unwrap(),
            "https://cdn.example/a.ts"
        );
        assert_eq!(v.substitute("no-vars").unwrap(), "no-vars");
        assert_eq!(v.substitute("{$ x").unwrap(), "{$ x");
        assert!(matches!(
            v.substitute("{$missing}"),
            Err(Rule::UndefinedVariable { .. })
        ));
    }
}
