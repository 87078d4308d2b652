//! SVG baking by text splicing.
//!
//! The document is read with `quick-xml`, which never expands entities other
//! than the five the XML predefines and character references, and never
//! loads external DTDs. On top of that a DOCTYPE that declares entities is
//! refused outright, so XXE and "billion laughs" documents fail early with a
//! clear error. Baking does not re-serialise the document: the payload
//! element is spliced in right after the root start tag, using the reader's
//! byte positions, and old payload elements are cut out the same way.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::error::BakeError;
use crate::payload::{Payload, Standard, check_for_baking};
use crate::{Baked, MAX_IMAGE_BYTES, MAX_PAYLOAD_BYTES};

/// Namespace of the OB 3.0 `<openbadges:credential>` element.
pub const NS_OB3: &str = "https://purl.imsglobal.org/ob/v3p0";
/// Namespace of the OB 2.0 `<openbadges:assertion>` element.
pub const NS_OB2: &str = "http://openbadges.org";

/// A payload element found in the document.
struct Element {
    standard: Standard,
    name: String,
    /// Byte range of the whole element, start tag to end tag.
    start: usize,
    end: usize,
    verify: Option<String>,
    /// Text pieces; `true` for CDATA sections.
    pieces: Vec<(bool, String)>,
    depth: usize,
}

impl Element {
    fn into_baked(self) -> Result<Baked, BakeError> {
        let has_cdata = self.pieces.iter().any(|(cdata, _)| *cdata);
        let mut content = String::new();
        for (cdata, text) in &self.pieces {
            // White space around and between CDATA sections is layout.
            if *cdata || !has_cdata || !text.trim().is_empty() {
                content.push_str(text);
            }
        }
        let content = if has_cdata {
            content.as_str()
        } else {
            content.trim()
        };
        let text = if !content.trim().is_empty() {
            content
        } else if let Some(verify) = &self.verify {
            verify.as_str()
        } else {
            return Err(BakeError::EmptyPayloadElement(self.name));
        };
        if text.len() > MAX_PAYLOAD_BYTES {
            return Err(BakeError::PayloadTooLarge {
                limit: MAX_PAYLOAD_BYTES,
            });
        }
        Ok(Baked {
            standard: self.standard,
            payload: Payload::classify(text)?,
        })
    }
}

/// What a pass over the document finds.
struct Scan {
    /// Raw (prefixed) name of the root element.
    root_name: String,
    /// Offset just past the root start tag's `>`.
    root_tag_end: usize,
    /// The root is an empty-element tag `<svg … />`.
    root_empty: bool,
    payloads: Vec<Element>,
}

fn xml_err(e: impl std::fmt::Display) -> BakeError {
    BakeError::SvgXml(e.to_string())
}

fn payload_standard(res: &ResolveResult<'_>, local: &[u8]) -> Option<Standard> {
    let by_local = || match local {
        b"credential" => Some(Standard::Ob3),
        b"assertion" => Some(Standard::Ob2),
        _ => None,
    };
    match res {
        ResolveResult::Bound(ns) if ns.as_ref() == NS_OB3.as_bytes() && local == b"credential" => {
            Some(Standard::Ob3)
        }
        ResolveResult::Bound(ns) if ns.as_ref() == NS_OB2.as_bytes() && local == b"assertion" => {
            Some(Standard::Ob2)
        }
        // Lenient read of files that use the customary prefix without declaring it.
        ResolveResult::Unknown(prefix) if prefix.as_slice() == b"openbadges" => by_local(),
        _ => None,
    }
}

fn verify_attr(e: &BytesStart<'_>) -> Result<Option<String>, BakeError> {
    for attr in e.attributes() {
        let attr = attr.map_err(xml_err)?;
        if attr.key.prefix().is_none() && attr.key.local_name().as_ref() == b"verify" {
            return Ok(Some(attr.unescape_value().map_err(xml_err)?.into_owned()));
        }
    }
    Ok(None)
}

fn raw_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

fn offset(pos: u64, bom: usize) -> usize {
    usize::try_from(pos).map_or(usize::MAX, |p| p.saturating_add(bom))
}

fn scan(svg: &str) -> Result<Scan, BakeError> {
    if svg.len() > MAX_IMAGE_BYTES {
        return Err(BakeError::ImageTooLarge {
            size: svg.len(),
            limit: MAX_IMAGE_BYTES,
        });
    }
    // quick-xml skips a byte order mark and counts positions after it.
    let bom = if svg.starts_with('\u{FEFF}') { 3 } else { 0 };
    let mut reader = NsReader::from_str(svg.get(bom..).unwrap_or_default());
    let mut root: Option<(String, usize, bool)> = None;
    let mut depth = 0usize;
    let mut open: Option<Element> = None;
    let mut payloads = Vec::new();
    loop {
        let before = offset(reader.buffer_position(), bom);
        let (std, event) = {
            let (res, event) = reader.read_resolved_event().map_err(xml_err)?;
            let std = match &event {
                Event::Start(e) | Event::Empty(e) => {
                    payload_standard(&res, e.local_name().as_ref())
                }
                _ => None,
            };
            (std, event)
        };
        let after = offset(reader.buffer_position(), bom);
        match event {
            Event::DocType(d) => {
                if d.windows(8).any(|w| w == b"<!ENTITY") {
                    return Err(BakeError::SvgEntities);
                }
            }
            Event::Start(e) => {
                depth += 1;
                if root.is_none() {
                    if e.local_name().as_ref() != b"svg" {
                        return Err(BakeError::SvgNoRoot);
                    }
                    root = Some((raw_name(&e), after, false));
                } else if let (None, Some(standard)) = (&open, std) {
                    open = Some(Element {
                        standard,
                        name: raw_name(&e),
                        start: before,
                        end: after,
                        verify: verify_attr(&e)?,
                        pieces: Vec::new(),
                        depth,
                    });
                }
            }
            Event::Empty(e) => {
                if root.is_none() {
                    if e.local_name().as_ref() != b"svg" {
                        return Err(BakeError::SvgNoRoot);
                    }
                    root = Some((raw_name(&e), after, true));
                } else if let (None, Some(standard)) = (&open, std) {
                    payloads.push(Element {
                        standard,
                        name: raw_name(&e),
                        start: before,
                        end: after,
                        verify: verify_attr(&e)?,
                        pieces: Vec::new(),
                        depth,
                    });
                }
            }
            Event::End(_) => {
                if let Some(mut el) = open.take_if(|el| el.depth == depth) {
                    el.end = after;
                    payloads.push(el);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                if let Some(el) = &mut open {
                    el.pieces
                        .push((false, t.decode().map_err(xml_err)?.into_owned()));
                }
            }
            Event::CData(c) => {
                if let Some(el) = &mut open {
                    el.pieces
                        .push((true, c.decode().map_err(xml_err)?.into_owned()));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(el) = &mut open {
                    let text: Cow<'_, str> = match r.resolve_char_ref().map_err(xml_err)? {
                        Some(c) => Cow::Owned(c.to_string()),
                        None => match r.as_ref() {
                            b"amp" => "&".into(),
                            b"lt" => "<".into(),
                            b"gt" => ">".into(),
                            b"quot" => "\"".into(),
                            b"apos" => "'".into(),
                            other => {
                                return Err(BakeError::SvgUnknownEntity(
                                    String::from_utf8_lossy(other).into_owned(),
                                ));
                            }
                        },
                    };
                    el.pieces.push((false, text.into_owned()));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if open.is_some() {
        return Err(BakeError::SvgXml(
            "the document ends inside the badge payload element".into(),
        ));
    }
    let (root_name, root_tag_end, root_empty) = root.ok_or(BakeError::SvgNoRoot)?;
    Ok(Scan {
        root_name,
        root_tag_end,
        root_empty,
        payloads,
    })
}

/// Reads the badge payload of an SVG. `Ok(None)`: a valid SVG without one.
///
/// Recognises `<credential>` in the OB 3.0 namespace and `<assertion>` in the
/// OB 2.0 namespace, wherever the namespace is declared (element or root).
/// Element content (CDATA or text) wins over the `verify` attribute.
pub fn extract(svg: &str) -> Result<Option<Baked>, BakeError> {
    let mut scan = scan(svg)?;
    if scan.payloads.len() > 1 {
        return Err(BakeError::TwoPayloads);
    }
    scan.payloads.pop().map(Element::into_baked).transpose()
}

/// Bakes a payload into an SVG: the payload element goes right after the
/// root start tag; earlier payload elements (of either standard) are cut out.
/// The rest of the document is kept byte for byte.
pub fn bake(svg: &str, standard: Standard, payload: &Payload) -> Result<String, BakeError> {
    check_for_baking(standard, payload)?;
    let scan = scan(svg)?;
    let element = payload_element(standard, payload);
    let cut = scan.root_tag_end;
    let mut out = String::with_capacity(svg.len() + element.len() + 16);
    if scan.root_empty {
        // `<svg …/>` becomes `<svg …>payload</svg>`.
        out.push_str(slice(svg, 0, cut.saturating_sub(2))?);
        out.push('>');
        out.push_str(&element);
        out.push_str("</");
        out.push_str(&scan.root_name);
        out.push('>');
        out.push_str(slice(svg, cut, svg.len())?);
    } else {
        out.push_str(slice(svg, 0, cut)?);
        out.push_str(&element);
        let mut pos = cut;
        for el in &scan.payloads {
            out.push_str(slice(svg, pos, el.start.max(pos))?);
            pos = pos.max(el.end);
        }
        out.push_str(slice(svg, pos, svg.len())?);
    }
    // A malformed document can hide a payload element from the first scan
    // that the reader sees once the splice moved it (found by fuzzing, see
    // tests/it/fuzz_regressions.rs): never hand back an image that does not
    // extract to exactly the payload just baked.
    if scan_payload_count(&out)? != 1 {
        return Err(BakeError::TwoPayloads);
    }
    Ok(out)
}

fn scan_payload_count(svg: &str) -> Result<usize, BakeError> {
    Ok(scan(svg)?.payloads.len())
}

/// `svg[from..to]`, or an error if the reader's positions do not fall on
/// character boundaries (they always should; never splice at a wrong place).
fn slice(svg: &str, from: usize, to: usize) -> Result<&str, BakeError> {
    svg.get(from..to)
        .ok_or_else(|| xml_err("the reader reported a position inside a character"))
}

fn payload_element(standard: Standard, payload: &Payload) -> String {
    let (local, ns) = match standard {
        Standard::Ob3 => ("credential", NS_OB3),
        Standard::Ob2 => ("assertion", NS_OB2),
    };
    let mut s = format!("<openbadges:{local} xmlns:openbadges=\"{ns}\"");
    let verify = match (standard, payload) {
        (_, Payload::Jwt(t) | Payload::Url(t)) => Some(t.clone()),
        // OB 2.0 wants the hosted URL in `verify` next to the JSON; use the id.
        (Standard::Ob2, Payload::Json(json)) => hosted_id(json),
        (Standard::Ob3, Payload::Json(_)) => None,
    };
    if let Some(v) = verify {
        s.push_str(" verify=\"");
        s.push_str(&escape_attr(&v));
        s.push('"');
    }
    s.push('>');
    if let Payload::Json(json) = payload {
        s.push_str(&cdata(json));
    }
    s.push_str("</openbadges:");
    s.push_str(local);
    s.push('>');
    s
}

/// The assertion's `id`, if it is an http(s) URL.
fn hosted_id(json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let id = value.get("id")?.as_str()?;
    matches!(Payload::classify(id), Ok(Payload::Url(_))).then(|| id.to_owned())
}

/// Wraps text in CDATA, splitting the section wherever the text holds `]]>`.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn escape_attr(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}
