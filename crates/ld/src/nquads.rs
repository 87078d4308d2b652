//! Canonical N-Quads serialization of `oxrdf` terms and quads.
//!
//! This is the "canonical n-quads form" of RDFC-1.0 (W3C Recommendation
//! "RDF Dataset Canonicalization", appendix A, which extends canonical
//! N-Triples with a graph label):
//!
//! * terms are separated by exactly one space, a quad ends with `" .\n"`, and
//!   the default graph has no graph term;
//! * IRIs are written as `<iri>` and blank nodes as `_:label`;
//! * literals of datatype `xsd:string` are written without `^^<…>`,
//!   language-tagged strings as `"…"@tag` (the tag as the term holds it) and
//!   every other literal as `"…"^^<datatype>`;
//! * inside the quoted string, BS, HT, LF, FF, CR, `"` and `\` are written as
//!   the two-character escapes `\b \t \n \f \r \" \\`; U+0000–U+0007, VT,
//!   U+000E–U+001F, DEL and the code points outside XML 1.1 `Char`
//!   (U+FFFE, U+FFFF; surrogates cannot occur in a Rust string) as `\uXXXX`
//!   with upper-case hex digits; everything else as itself.

use std::fmt::Write as _;

use oxrdf::{GraphNameRef, LiteralRef, NamedOrBlankNodeRef, QuadRef, TermRef};

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const RDF_DIR_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString";

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `<iri>`.
#[inline]
pub fn push_iri(out: &mut String, iri: &str) {
    out.reserve(iri.len() + 2);
    out.push('<');
    out.push_str(iri);
    out.push('>');
}

/// Appends `_:label`.
#[inline]
pub fn push_blank_node(out: &mut String, label: &str) {
    out.reserve(label.len() + 2);
    out.push_str("_:");
    out.push_str(label);
}

/// How one character has to be written inside a canonical `STRING_LITERAL_QUOTE`.
#[inline]
fn escape_of(c: char) -> Option<Escape> {
    match c {
        '\u{08}' => Some(Escape::Echar(b'b')),
        '\t' => Some(Escape::Echar(b't')),
        '\n' => Some(Escape::Echar(b'n')),
        '\u{0C}' => Some(Escape::Echar(b'f')),
        '\r' => Some(Escape::Echar(b'r')),
        '"' => Some(Escape::Echar(b'"')),
        '\\' => Some(Escape::Echar(b'\\')),
        '\u{00}'..='\u{07}'
        | '\u{0B}'
        | '\u{0E}'..='\u{1F}'
        | '\u{7F}'
        | '\u{FFFE}'
        | '\u{FFFF}' => Some(Escape::Uchar(u32::from(c))),
        _ => None,
    }
}

enum Escape {
    /// `\` followed by this ASCII character.
    Echar(u8),
    /// `\u` followed by four upper-case hex digits of this code point (≤ U+FFFF).
    Uchar(u32),
}

/// Whether a byte may start a character that needs escaping: ASCII controls,
/// `"`, `\`, DEL, and 0xEF, the lead byte of U+FFFE and U+FFFF (and of other
/// characters, which are then checked one by one).
const fn escape_candidates() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7F] = true;
    table[0xEF] = true;
    table
}

static ESCAPE_CANDIDATE: [bool; 256] = escape_candidates();

/// Appends `"…"` with the canonical escapes.
pub fn push_quoted_string(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    let bytes = value.as_bytes();
    let mut pending = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !ESCAPE_CANDIDATE[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        // `i` is a character boundary: every candidate byte is ASCII or a lead byte.
        let Some(c) = value.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let next = i + c.len_utf8();
        if let Some(escape) = escape_of(c) {
            out.push_str(value.get(pending..i).unwrap_or_default());
            pending = next;
            match escape {
                Escape::Echar(e) => {
                    out.push('\\');
                    out.push(char::from(e));
                }
                Escape::Uchar(cp) => {
                    out.push_str("\\u");
                    for shift in [12u32, 8, 4, 0] {
                        let digit = HEX_UPPER[((cp >> shift) & 0xF) as usize];
                        out.push(char::from(digit));
                    }
                }
            }
        }
        i = next;
    }
    out.push_str(value.get(pending..).unwrap_or_default());
    out.push('"');
}

/// Appends a literal in canonical form.
pub fn push_literal(out: &mut String, literal: LiteralRef<'_>) {
    let datatype = literal.datatype().as_str();
    if let Some(language) = literal.language() {
        if datatype == RDF_DIR_LANG_STRING {
            // An RDF 1.2 directional language-tagged string (only with oxrdf's
            // `rdf-12` feature). oxrdf's own writer uses the same escapes and
            // adds the `--ltr`/`--rtl` suffix we cannot reach without that feature.
            let _ = write!(out, "{literal}");
            return;
        }
        push_literal_parts(out, literal.value(), datatype, Some(language));
    } else {
        push_literal_parts(out, literal.value(), datatype, None);
    }
}

/// Appends a literal in canonical form from its parts: `"…"@language` when a
/// language is given, else `"…"` for `xsd:string` and `"…"^^<datatype>`.
#[inline]
pub fn push_literal_parts(out: &mut String, lexical: &str, datatype: &str, language: Option<&str>) {
    push_quoted_string(out, lexical);
    if let Some(language) = language {
        out.reserve(language.len() + 1);
        out.push('@');
        out.push_str(language);
    } else if datatype != XSD_STRING {
        out.push_str("^^");
        push_iri(out, datatype);
    }
}

/// Reads back one term written by this module (`<iri>` or a literal); `None`
/// for anything else. Used to turn a [`crate::canon::Dataset`] into `oxrdf`
/// quads off the hot path.
pub fn parse_term(text: &str) -> Option<oxrdf::Term> {
    use oxrdf::{Literal, NamedNode};
    if let Some(iri) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
        return Some(NamedNode::new_unchecked(iri).into());
    }
    let rest = text.strip_prefix('"')?;
    // The closing quote is the first `"` not escaped by a backslash.
    let mut value = String::with_capacity(rest.len());
    let mut chars = rest.char_indices();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                end = Some(i + 1);
                break;
            }
            '\\' => match chars.next()?.1 {
                'b' => value.push('\u{8}'),
                't' => value.push('\t'),
                'n' => value.push('\n'),
                'f' => value.push('\u{c}'),
                'r' => value.push('\r'),
                '"' => value.push('"'),
                '\\' => value.push('\\'),
                'u' => {
                    let hex: String = (0..4)
                        .filter_map(|_| chars.next().map(|(_, h)| h))
                        .collect();
                    let cp = u32::from_str_radix(&hex, 16).ok()?;
                    value.push(char::from_u32(cp)?);
                }
                _ => return None,
            },
            c => value.push(c),
        }
    }
    let suffix = rest.get(end?..)?;
    if suffix.is_empty() {
        return Some(Literal::new_simple_literal(value).into());
    }
    if let Some(language) = suffix.strip_prefix('@') {
        return Some(Literal::new_language_tagged_literal_unchecked(value, language).into());
    }
    let datatype = suffix.strip_prefix("^^<")?.strip_suffix('>')?;
    Some(Literal::new_typed_literal(value, NamedNode::new_unchecked(datatype)).into())
}

/// Appends a subject.
#[inline]
pub fn push_subject(out: &mut String, subject: NamedOrBlankNodeRef<'_>) {
    match subject {
        NamedOrBlankNodeRef::NamedNode(n) => push_iri(out, n.as_str()),
        NamedOrBlankNodeRef::BlankNode(b) => push_blank_node(out, b.as_str()),
    }
}

/// Appends an object (or any term).
pub fn push_term(out: &mut String, term: TermRef<'_>) {
    #[allow(unreachable_patterns)] // RDF 1.2 triple terms exist only with oxrdf's `rdf-12` feature
    match term {
        TermRef::NamedNode(n) => push_iri(out, n.as_str()),
        TermRef::BlankNode(b) => push_blank_node(out, b.as_str()),
        TermRef::Literal(l) => push_literal(out, l),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Appends a graph name followed by a space, or nothing for the default graph.
#[inline]
fn push_graph_name(out: &mut String, graph_name: GraphNameRef<'_>) {
    match graph_name {
        GraphNameRef::NamedNode(n) => {
            push_iri(out, n.as_str());
            out.push(' ');
        }
        GraphNameRef::BlankNode(b) => {
            push_blank_node(out, b.as_str());
            out.push(' ');
        }
        GraphNameRef::DefaultGraph => {}
    }
}

/// Appends one quad in canonical N-Quads form, including the final `"\n"`.
///
/// Blank nodes keep the labels they have; RDFC-1.0 output relabels them first
/// (see [`crate::canon`]).
pub fn push_quad(out: &mut String, quad: QuadRef<'_>) {
    push_subject(out, quad.subject);
    out.push(' ');
    push_iri(out, quad.predicate.as_str());
    out.push(' ');
    push_term(out, quad.object);
    out.push(' ');
    push_graph_name(out, quad.graph_name);
    out.push_str(".\n");
}

/// The canonical N-Quads form of one quad, including the trailing `"\n"`.
pub fn quad_to_nquads_line(q: &QuadRef<'_>) -> String {
    let mut out = String::with_capacity(128);
    push_quad(&mut out, *q);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::{BlankNode, GraphName, Literal, NamedNode, Quad};

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        push_quoted_string(&mut out, s);
        out
    }

    #[test]
    fn escapes_as_rdfc10_requires() {
        assert_eq!(quoted(""), r#""""#);
        assert_eq!(quoted("plain ∞ é"), "\"plain ∞ é\"");
        assert_eq!(quoted("\"\\\n\r"), r#""\"\\\n\r""#);
        assert_eq!(quoted("\u{8}\t\u{c}"), r#""\b\t\f""#);
        assert_eq!(
            quoted("\u{0}\u{7}\u{b}\u{e}\u{1f}\u{7f}"),
            r#""\u0000\u0007\u000B\u000E\u001F\u007F""#
        );
        assert_eq!(quoted("a\u{fffe}b\u{ffff}c"), r#""a\uFFFEb\uFFFFc""#);
        assert_eq!(quoted("'/<>"), "\"'/<>\"");
        assert_eq!(quoted("\u{10000}\u{fffd}"), "\"\u{10000}\u{fffd}\"");
    }

    #[test]
    fn writes_quads() {
        let s = NamedNode::new_unchecked("http://example.com/s");
        let p = NamedNode::new_unchecked("http://example.com/p");
        let b = BlankNode::new_unchecked("x");
        let q = Quad::new(
            s.clone(),
            p.clone(),
            Literal::new_simple_literal("a\"b"),
            GraphName::DefaultGraph,
        );
        assert_eq!(
            quad_to_nquads_line(&q.as_ref()),
            "<http://example.com/s> <http://example.com/p> \"a\\\"b\" .\n"
        );
        let q = Quad::new(
            b.clone(),
            p.clone(),
            Literal::new_language_tagged_literal_unchecked("chat", "fr"),
            b.clone(),
        );
        assert_eq!(
            quad_to_nquads_line(&q.as_ref()),
            "_:x <http://example.com/p> \"chat\"@fr _:x .\n"
        );
        let q = Quad::new(
            b,
            p,
            Literal::new_typed_literal(
                "1",
                NamedNode::new_unchecked("http://www.w3.org/2001/XMLSchema#integer"),
            ),
            s,
        );
        assert_eq!(
            quad_to_nquads_line(&q.as_ref()),
            "_:x <http://example.com/p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> <http://example.com/s> .\n"
        );
    }

    #[test]
    fn parse_term_reads_back_what_push_wrote() {
        use oxrdf::{Literal, NamedNode, Term};
        let terms: Vec<Term> = vec![
            NamedNode::new_unchecked("https://example.org/a#b").into(),
            Literal::new_simple_literal("plain \"quoted\" \\ \u{8}\t\n\u{c}\r \u{1} \u{7f} é")
                .into(),
            Literal::new_language_tagged_literal_unchecked("bonjour", "fr-CA").into(),
            Literal::new_typed_literal(
                "42",
                NamedNode::new_unchecked("http://www.w3.org/2001/XMLSchema#integer"),
            )
            .into(),
        ];
        for term in terms {
            let mut out = String::new();
            push_term(&mut out, term.as_ref());
            assert_eq!(parse_term(&out), Some(term), "{out}");
        }
        assert_eq!(parse_term("_:b0"), None);
        assert_eq!(parse_term("\"unterminated"), None);
    }
}
