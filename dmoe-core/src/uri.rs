//! URI resolution by RFC 3986, with a scheme policy.
//!
//! Only `http`, `https` and relative references resolve. A `data:` URI is accepted where the
//! caller allows it (the content-steering server URI). Key URIs are opaque to DMOE (DRM
//! systems use `skd:` and the like) and go through [`Resolver::resolve_opaque`].

use url::Url;

use crate::error::{ManifestError, Rule};

/// Resolves references against a base URL.
#[derive(Debug, Clone)]
pub(crate) struct Resolver {
    base: Option<Url>,
}

/// The scheme of a reference, if it has one (RFC 3986 §3.1).
fn scheme_of(reference: &str) -> Option<&str> {
    let colon = reference.find(':')?;
    let s = &reference[..colon];
    let mut chars = s.chars();
    let first = chars.next()?;
    if first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        Some(s)
    } else {
        None
    }
}

fn is_web(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

impl Resolver {
    /// A resolver with an optional base; the base itself must be http(s).
    pub(crate) fn new(base: Option<&str>) -> Result<Self, ManifestError> {
        let base = match base {
            None => None,
            Some(b) => {
                let u = Url::parse(b).map_err(|_| ManifestError::InvalidBaseUrl)?;
                if !is_web(u.scheme()) {
                    return Err(ManifestError::InvalidBaseUrl);
                }
                Some(u)
            }
        };
        Ok(Self { base })
    }

    /// A resolver whose base is `reference` resolved against this one (DASH BaseURL chains).
    pub(crate) fn nested(&self, reference: &str) -> Result<Self, Rule> {
        let reference = reference.trim();
        if let Some(base) = &self.base {
            let u = base.join(reference).map_err(|_| bad_uri())?;
            if !is_web(u.scheme()) {
                return Err(Rule::DisallowedUri {
                    scheme: u.scheme().to_owned(),
                });
            }
            return Ok(Self { base: Some(u) });
        }
        match scheme_of(reference) {
            Some(s) if is_web(s) => {
                let u = Url::parse(reference).map_err(|_| bad_uri())?;
                Ok(Self { base: Some(u) })
            }
            Some(s) => Err(Rule::DisallowedUri {
                scheme: s.to_owned(),
            }),
            // No absolute base anywhere: keep relative references relative by joining
            // against a placeholder and stripping it again.
            None => Ok(Self {
                base: Some(
                    Url::parse(RELATIVE_ROOT)
                        .and_then(|r| r.join(reference))
                        .map_err(|_| bad_uri())?,
                ),
            }),
        }
    }

    /// Resolve a media reference (segment, playlist, init section). http(s) or relative only.
    pub(crate) fn resolve(&self, reference: &str) -> Result<String, Rule> {
        if let Some(s) = scheme_of(reference) {
            if !is_web(s) {
                return Err(Rule::DisallowedUri {
                    scheme: s.to_owned(),
                });
            }
            if self.base.is_none() {
                return Ok(reference.to_owned());
            }
        }
        match &self.base {
            None => Ok(reference.to_owned()),
            Some(base) => {
                let u = base.join(reference).map_err(|_| bad_uri())?;
                Ok(strip_placeholder(u))
            }
        }
    }

    /// The base itself, as a string (what resolving an empty reference gives).
    pub(crate) fn base_string(&self) -> String {
        match &self.base {
            Some(u) => strip_placeholder(u.clone()),
            None => String::new(),
        }
    }

    /// Resolve a steering server URI: like [`resolve`](Self::resolve) but `data:` is allowed.
    pub(crate) fn resolve_steering(&self, reference: &str) -> Result<String, Rule> {
        match scheme_of(reference) {
            Some(s) if s.eq_ignore_ascii_case("data") => Ok(reference.to_owned()),
            _ => self.resolve(reference),
        }
    }

    /// Resolve a key URI: DRM schemes (`skd:`, `data:`, `urn:`) are kept as written, since the
    /// host's DRM system owns them; only `javascript:` and `file:` are refused.
    pub(crate) fn resolve_opaque(&self, reference: &str) -> Result<String, Rule> {
        match scheme_of(reference) {
            Some(s) if is_web(s) => self.resolve(reference),
            Some(s) if s.eq_ignore_ascii_case("javascript") || s.eq_ignore_ascii_case("file") => {
                Err(Rule::DisallowedUri {
                    scheme: s.to_owned(),
                })
            }
            Some(_) => Ok(reference.to_owned()),
            None => self.resolve(reference),
        }
    }
}

const RELATIVE_ROOT: &str = "http://relative.invalid/";

fn strip_placeholder(u: Url) -> String {
    let s: String = u.into();
    match s.strip_prefix(RELATIVE_ROOT) {
        Some(rest) => rest.to_owned(),
        None => s,
    }
}

fn bad_uri() -> Rule {
    Rule::InvalidValue {
        tag: "URI",
        attribute: None,
        problem: crate::error::ValueProblem::BadUri,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_against_base() {
        let r = Resolver::new(Some("https://cdn.example.com/a/b/master.m3u8")).unwrap();
        assert_eq!(
            r.resolve("seg1.ts").unwrap(),
            "https://cdn.example.com/a/b/seg1.ts"
        );
        assert_eq!(
            r.resolve("../c.ts").unwrap(),
            "https://cdn.example.com/a/c.ts"
        );
        assert_eq!(r.resolve("/x.ts").unwrap(), "https://cdn.example.com/x.ts");
        assert_eq!(
            r.resolve("//other.example/y.ts").unwrap(),
            "https://other.example/y.ts"
        );
        assert_eq!(r.resolve("http://h/z.ts").unwrap(), "http://h/z.ts");
    }

    #[test]
    fn refuses_other_schemes() {
        let r = Resolver::new(None).unwrap();
        assert!(matches!(
            r.resolve("javascript:alert(1)"),
            Err(Rule::DisallowedUri { .. })
        ));
        assert!(matches!(
            r.resolve("file:///etc/passwd"),
            Err(Rule::DisallowedUri { .. })
        ));
        assert!(matches!(
            r.resolve("data:text/plain,x"),
            Err(Rule::DisallowedUri { .. })
        ));
        assert_eq!(
            r.resolve_steering("data:application/json,{}").unwrap(),
            "data:application/json,{}"
        );
        assert_eq!(r.resolve_opaque("skd://key1").unwrap(), "skd://key1");
        assert!(r.resolve_opaque("file:///k").is_err());
        assert!(Resolver::new(Some("file:///tmp/x.m3u8")).is_err());
    }

    #[test]
    fn keeps_relative_without_base() {
        let r = Resolver::new(None).unwrap();
        assert_eq!(r.resolve("a/b.ts").unwrap(), "a/b.ts");
        let n = r.nested("video/").unwrap();
        assert_eq!(n.resolve("seg-1.m4s").unwrap(), "video/seg-1.m4s");
        let n2 = n.nested("../audio/").unwrap();
        assert_eq!(n2.resolve("a.m4s").unwrap(), "audio/a.m4s");
    }
}
