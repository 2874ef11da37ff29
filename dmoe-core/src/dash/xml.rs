//! A small, bounded XML tree for MPDs, built on `quick-xml`.
//!
//! DTDs are refused outright (so no entity can expand), and depth, element count and value
//! lengths are capped by [`Limits`](crate::Limits).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{Limit, ManifestError};
use crate::options::Limits;
use crate::text::line_of;

const NONE: u32 = u32::MAX;

/// A string stored in the document's arena.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// One attribute: qualified key, where its local part starts, value.
#[derive(Debug, Clone, Copy)]
struct Attr {
    key: Span,
    local: u8,
    value: Span,
}

/// One element.
#[derive(Debug)]
pub(crate) struct Node {
    /// Qualified name as written (`cenc:pssh`).
    name: Span,
    /// Where the local name starts in `name` (after any prefix).
    local_start: u8,
    attr_start: u32,
    attr_end: u32,
    first_child: u32,
    next_sibling: u32,
    /// Concatenated text content (trimmed).
    pub(crate) text: String,
    /// Byte offset of the start tag, for error lines.
    pub(crate) offset: u32,
}

/// A parsed document: nodes in document order, node 0 is the root element.
#[derive(Debug)]
pub(crate) struct Doc {
    nodes: Vec<Node>,
    attrs: Vec<Attr>,
    /// All names, keys and values, back to back (one allocation instead of thousands).
    arena: String,
}

/// A borrowed element of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct El<'d> {
    doc: &'d Doc,
    idx: u32,
}

/// Where the local part of a qualified name starts.
fn local_start(name: &str) -> u8 {
    name.rfind(':')
        .map_or(0, |i| u8::try_from(i + 1).unwrap_or(0))
}

impl<'d> El<'d> {
    fn node(&self) -> &'d Node {
        &self.doc.nodes[self.idx as usize]
    }

    /// Local name (without prefix).
    pub(crate) fn name(&self) -> &'d str {
        let n = self.node();
        let full = self.doc.str(n.name);
        full.get(usize::from(n.local_start)..).unwrap_or(full)
    }

    /// Text content.
    pub(crate) fn text(&self) -> &'d str {
        self.node().text.trim()
    }

    /// Byte offset of the start tag.
    pub(crate) fn offset(&self) -> usize {
        self.node().offset as usize
    }

    /// An attribute by qualified name (exact) or, failing that, by local name.
    pub(crate) fn attr(&self, name: &str) -> Option<&'d str> {
        let n = self.node();
        let attrs = &self.doc.attrs[n.attr_start as usize..n.attr_end as usize];
        let d = self.doc;
        let mut by_local = None;
        for a in attrs {
            let key = d.str(a.key);
            if key == name {
                return Some(d.str(a.value));
            }
            if by_local.is_none() && a.local > 0 && key.get(usize::from(a.local)..) == Some(name) {
                by_local = Some(a.value);
            }
        }
        by_local.map(|v| d.str(v))
    }

    /// Child elements.
    pub(crate) fn children(&self) -> Children<'d> {
        Children {
            doc: self.doc,
            next: self.node().first_child,
        }
    }

    /// Child elements with this local name.
    pub(crate) fn children_named(&self, name: &'static str) -> impl Iterator<Item = El<'d>> + 'd {
        self.children().filter(move |c| c.name() == name)
    }

    /// The first child element with this local name.
    pub(crate) fn child(&self, name: &'static str) -> Option<Self> {
        self.children_named(name).next()
    }
}

/// Iterator over child elements.
#[derive(Debug)]
pub(crate) struct Children<'d> {
    doc: &'d Doc,
    next: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = El<'d>;
    fn next(&mut self) -> Option<El<'d>> {
        if self.next == NONE {
            return None;
        }
        let idx = self.next;
        self.next = self.doc.nodes[idx as usize].next_sibling;
        Some(El { doc: self.doc, idx })
    }
}

fn xml_err(input: &str, pos: u64, detail: impl ToString) -> ManifestError {
    ManifestError::Xml {
        line: line_of(input.as_bytes(), pos as usize),
        detail: detail.to_string(),
    }
}

impl Doc {
    fn str(&self, s: Span) -> &str {
        let start = s.start as usize;
        self.arena
            .get(start..start + s.len as usize)
            .unwrap_or_default()
    }

    fn store(&mut self, s: &str) -> Span {
        let start = self.arena.len() as u32;
        self.arena.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }

    /// The root element.
    pub(crate) fn root(&self) -> El<'_> {
        El { doc: self, idx: 0 }
    }

    /// Parse `input` within `limits`.
    pub(crate) fn parse(input: &str, limits: &Limits) -> Result<Self, ManifestError> {
        let mut reader = Reader::from_str(input);
        reader.config_mut().trim_text(false);
        let mut doc = Self {
            nodes: Vec::new(),
            attrs: Vec::new(),
            arena: String::with_capacity(input.len() / 4),
        };
        // (node index, last child index)
        let mut stack: Vec<(u32, u32)> = Vec::new();
        let max_val = limits.max_line_bytes;
        let too_long = |pos: u64| ManifestError::LimitExceeded {
            limit: Limit::LineLength,
            max: max_val as u64,
            line: line_of(input.as_bytes(), pos as usize),
        };
        loop {
            let pos = reader.buffer_position();
            let ev = reader
                .read_event()
                .map_err(|e| xml_err(input, reader.error_position(), e))?;
            match ev {
                Event::Start(e) => {
                    let idx = doc.push(&e, &mut stack, pos, limits, input)?;
                    stack.push((idx, NONE));
                }
                Event::Empty(e) => {
                    doc.push(&e, &mut stack, pos, limits, input)?;
                }
                Event::End(_) => {
                    stack.pop();
                    if stack.is_empty() {
                        // Only whitespace, comments and PIs may follow; we stop reading.
                        break;
                    }
                }
                Event::Text(t) => {
                    if let Some(&(top, _)) = stack.last() {
                        let s = t.decode().map_err(|e| xml_err(input, pos, e))?;
                        let text = &mut doc.nodes[top as usize].text;
                        // Indentation between elements is not content; skip it without
                        // allocating (text next to an entity reference is kept).
                        if text.is_empty() && s.trim().is_empty() {
                            continue;
                        }
                        if text.len() + s.len() > max_val {
                            return Err(too_long(pos));
                        }
                        text.push_str(&s);
                    }
                }
                Event::CData(t) => {
                    if let Some(&(top, _)) = stack.last() {
                        let s = t.decode().map_err(|e| xml_err(input, pos, e))?;
                        let text = &mut doc.nodes[top as usize].text;
                        if text.len() + s.len() > max_val {
                            return Err(too_long(pos));
                        }
                        text.push_str(&s);
                    }
                }
                Event::GeneralRef(r) => {
                    let ch = if r.is_char_ref() {
                        r.resolve_char_ref().map_err(|e| xml_err(input, pos, e))?
                    } else {
                        let name = r.decode().map_err(|e| xml_err(input, pos, e))?;
                        match &*name {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            other => {
                                return Err(xml_err(
                                    input,
                                    pos,
                                    format!("unknown entity &{other};"),
                                ));
                            }
                        }
                    };
                    if let (Some(&(top, _)), Some(c)) = (stack.last(), ch) {
                        doc.nodes[top as usize].text.push(c);
                    }
                }
                Event::DocType(_) => {
                    return Err(ManifestError::Doctype {
                        line: line_of(input.as_bytes(), pos as usize),
                    });
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => {
                    if !stack.is_empty() {
                        return Err(xml_err(input, pos, "unexpected end of document"));
                    }
                    break;
                }
            }
        }
        if doc.nodes.is_empty() {
            return Err(xml_err(input, 0, "no root element"));
        }
        Ok(doc)
    }

    fn push(
        &mut self,
        e: &BytesStart<'_>,
        stack: &mut [(u32, u32)],
        pos: u64,
        limits: &Limits,
        input: &str,
    ) -> Result<u32, ManifestError> {
        if self.nodes.len() >= limits.max_xml_elements {
            return Err(ManifestError::LimitExceeded {
                limit: Limit::XmlElements,
                max: limits.max_xml_elements as u64,
                line: line_of(input.as_bytes(), pos as usize),
            });
        }
        if stack.len() >= limits.max_xml_depth {
            return Err(ManifestError::LimitExceeded {
                limit: Limit::XmlDepth,
                max: limits.max_xml_depth as u64,
                line: line_of(input.as_bytes(), pos as usize),
            });
        }
        if stack.is_empty() && !self.nodes.is_empty() {
            return Err(xml_err(input, pos, "more than one root element"));
        }
        let qname = e.name();
        let name_str =
            std::str::from_utf8(qname.as_ref()).map_err(|err| xml_err(input, pos, err))?;
        let name_local = local_start(name_str);
        let name = self.store(name_str);
        let attr_start = self.attrs.len() as u32;
        for a in e.attributes() {
            let a = a.map_err(|err| xml_err(input, pos, err))?;
            let key =
                std::str::from_utf8(a.key.as_ref()).map_err(|err| xml_err(input, pos, err))?;
            if a.value.len() > limits.max_line_bytes {
                return Err(ManifestError::LimitExceeded {
                    limit: Limit::LineLength,
                    max: limits.max_line_bytes as u64,
                    line: line_of(input.as_bytes(), pos as usize),
                });
            }
            let v = a.unescape_value().map_err(|err| xml_err(input, pos, err))?;
            let local = local_start(key);
            let key = self.store(key);
            let value = self.store(&v);
            self.attrs.push(Attr { key, local, value });
        }
        let idx = self.nodes.len() as u32;
        self.nodes.push(Node {
            name,
            local_start: name_local,
            attr_start,
            attr_end: self.attrs.len() as u32,
            first_child: NONE,
            next_sibling: NONE,
            text: String::new(),
            offset: u32::try_from(pos).unwrap_or(u32::MAX),
        });
        if let Some((parent, last)) = stack.last_mut() {
            if *last == NONE {
                self.nodes[*parent as usize].first_child = idx;
            } else {
                self.nodes[*last as usize].next_sibling = idx;
            }
            *last = idx;
        }
        Ok(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree() {
        let d = Doc::parse(
            r#"<?xml version="1.0"?><MPD a="1"><Period id="p"><BaseURL>x/&amp;y</BaseURL><Label>Tom &amp; Jerry</Label></Period><Period/></MPD>"#,
            &Limits::default(),
        )
        .unwrap();
        let root = d.root();
        assert_eq!(root.name(), "MPD");
        assert_eq!(root.attr("a"), Some("1"));
        let periods: Vec<_> = root.children_named("Period").collect();
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0].child("BaseURL").unwrap().text(), "x/&y");
        assert_eq!(periods[0].child("Label").unwrap().text(), "Tom & Jerry");
    }

    #[test]
    fn refuses_doctype_and_bad_xml() {
        let l = Limits::default();
        assert!(matches!(
            Doc::parse(r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><MPD>&a;</MPD>"#, &l),
            Err(ManifestError::Doctype { .. })
        ));
        assert!(matches!(
            Doc::parse("<MPD><Period>", &l),
            Err(ManifestError::Xml { .. })
        ));
        assert!(matches!(
            Doc::parse("<MPD></Period>", &l),
            Err(ManifestError::Xml { .. })
        ));
        assert!(matches!(
            Doc::parse("<MPD>&foo;</MPD>", &l),
            Err(ManifestError::Xml { .. })
        ));
    }

    #[test]
    fn enforces_depth() {
        let l = Limits {
            max_xml_depth: 3,
            ..Limits::default()
        };
        assert!(Doc::parse("<a><b><c/></b></a>", &l).is_ok());
        assert!(matches!(
            Doc::parse("<a><b><c><d/></c></b></a>", &l),
            Err(ManifestError::LimitExceeded {
                limit: Limit::XmlDepth,
                ..
            })
        ));
    }
}
