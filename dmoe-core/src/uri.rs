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

/// Schemes whose host the URL standard runs through IDNA.
fn is_special(scheme: &str) -> bool {
    ["http", "https", "ws", "wss", "ftp", "file"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
}

/// Whether the host a URL-standard parser would read from `s` (an absolute URL or a
/// scheme-relative reference) is plain ASCII without percent escapes.
///
/// DMOE resolves URLs without Unicode IDNA: `idna_adapter` is pinned to its ASCII-only
/// release, which keeps ICU's normalisation tables out of the WebAssembly build. Hosts
/// must therefore arrive in their ASCII (punycode) form, as CDN hosts in manifests do; any
/// other host is refused with a typed error before the parser sees it. The check is
/// conservative: it reads the host the way the standard does (tabs and newlines ignored,
/// backslashes as slashes, any number of slashes after a special scheme, userinfo
/// skipped), so it may refuse an odd relative reference, never admit an odd host.
pub(crate) fn host_is_ascii(s: &str) -> bool {
    let cleaned;
    let s = if s.contains(['\t', '\n', '\r']) {
        cleaned = s.replace(['\t', '\n', '\r'], "");
        cleaned.as_str()
    } else {
        s
    };
    let s = s.trim_matches(|c: char| c <= ' ');
    let slash = |c: char| c == '/' || c == '\\';
    let rest = match scheme_of(s) {
        Some(scheme) if is_special(scheme) => s[scheme.len() + 1..].trim_start_matches(slash),
        // Other schemes have opaque hosts: no IDNA.
        Some(_) => return true,
        None => {
            let mut c = s.chars();
            match (c.next(), c.next()) {
                (Some(a), Some(b)) if slash(a) && slash(b) => s.trim_start_matches(slash),
                _ => return true,
            }
        }
    };
    let end = rest
        .find(|c: char| slash(c) || c == '?' || c == '#')
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.is_ascii() && !host.contains('%')
}

/// [`Url::parse`] behind [`host_is_ascii`].
pub(crate) fn parse(s: &str) -> Option<Url> {
    host_is_ascii(s).then(|| Url::parse(s).ok()).flatten()
}

/// [`Url::join`] behind [`host_is_ascii`].
pub(crate) fn join(base: &Url, s: &str) -> Option<Url> {
    host_is_ascii(s).then(|| base.join(s).ok()).flatten()
}

/// [`Url::set_host`] for an ASCII host without percent escapes; false when refused.
pub(crate) fn set_host(u: &mut Url, host: &str) -> bool {
    host.is_ascii() && !host.contains('%') && u.set_host(Some(host)).is_ok()
}

impl Resolver {
    /// A resolver with an optional base; the base itself must be http(s).
    pub(crate) fn new(base: Option<&str>) -> Result<Self, ManifestError> {
        let base = match base {
            None => None,
            Some(b) => {
                let u = parse(b).ok_or(ManifestError::InvalidBaseUrl)?;
                if !is_web(u.scheme()) {
                    return Err(ManifestError::InvalidBaseUrl);
                }
                Some(u)
            }
        };
        Ok(Self { base })
    }

    /// A resolver whose base is `reference` resolved against this one (DASH BaseURL chains).
    #[cfg(feature = "dash")]
    pub(crate) fn nested(&self, reference: &str) -> Result<Self, Rule> {
        let reference = reference.trim();
        if let Some(base) = &self.base {
            let u = join(base, reference).ok_or_else(bad_uri)?;
            if !is_web(u.scheme()) {
                return Err(Rule::DisallowedUri {
                    scheme: u.scheme().to_owned(),
                });
            }
            return Ok(Self { base: Some(u) });
        }
        match scheme_of(reference) {
            Some(s) if is_web(s) => {
                let u = parse(reference).ok_or_else(bad_uri)?;
                Ok(Self { base: Some(u) })
            }
            Some(s) => Err(Rule::DisallowedUri {
                scheme: s.to_owned(),
            }),
            // No absolute base anywhere: keep relative references relative by joining
            // against a placeholder and stripping it again.
            None => Ok(Self {
                base: Some(
                    parse(RELATIVE_ROOT)
                        .and_then(|r| join(&r, reference))
                        .ok_or_else(bad_uri)?,
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
                let u = join(base, reference).ok_or_else(bad_uri)?;
                Ok(strip_placeholder(u))
            }
        }
    }

    /// The base itself, as a string (what resolving an empty reference gives).
    #[cfg(feature = "dash")]
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
    fn hosts_must_be_ascii_without_escapes() {
        for ok in [
            "https://cdn.example.com/a%20b/seg.ts",
            "https://user:p%40ss@cdn.example.com/x",
            "//xn--bcher-kva.example/y.ts",
            "seg%C3%A9.ts",
            "/p%C3%A9/x.ts",
            "skd://caf%C3%A9",
        ] {
            assert!(host_is_ascii(ok), "{ok}");
        }
        for bad in [
            "https://b\u{fc}cher.example/",
            "https://caf%C3%A9.example/",
            "http:$$B%A2222/x",
            "HTTP:\\\\b\u{fc}cher.example/",
            "ht\ttp://b\u{fc}cher.example/",
            "//b\u{fc}cher.example/y.ts",
            "https://u@b\u{fc}cher.example/",
        ] {
            assert!(!host_is_ascii(bad), "{bad}");
        }
        let r = Resolver::new(Some("https://cdn.example.com/a/master.m3u8")).unwrap();
        assert!(r.resolve("https://caf%C3%A9.example/x.ts").is_err());
        assert!(Resolver::new(Some("https://b\u{fc}cher.example/m.m3u8")).is_err());
        // Punycode is how an internationalised host gets in.
        assert_eq!(
            r.resolve("https://xn--bcher-kva.example/x.ts").unwrap(),
            "https://xn--bcher-kva.example/x.ts"
        );
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
    #[cfg(feature = "dash")]
    fn keeps_relative_without_base() {
        let r = Resolver::new(None).unwrap();
        assert_eq!(r.resolve("a/b.ts").unwrap(), "a/b.ts");
        let n = r.nested("video/").unwrap();
        assert_eq!(n.resolve("seg-1.m4s").unwrap(), "video/seg-1.m4s");
        let n2 = n.nested("../audio/").unwrap();
        assert_eq!(n2.resolve("a.m4s").unwrap(), "audio/a.m4s");
    }
}
