//! Deserialize JSON-LD to RDF (JSON-LD 1.1 API §8): Node Map Generation and
//! Object/List to RDF, fused into one walk over the expanded document.
//!
//! The node map only merges nodes that share an `@id`; the triples are the same
//! whether nodes are merged first or not, so this walk emits them directly (a
//! dataset is a set: canonicalization removes duplicates). Blank node labels
//! from the document are relabelled `b0`, `b1`, … consistently, as Node Map
//! Generation does. `rdfDirection` is null (the default): a base direction is
//! dropped. Generalized RDF is not produced (blank node predicates are dropped).

use std::collections::HashMap;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use serde_json::{Map, Value};

use super::EngineError;

pub struct RdfWriter {
    pub quads: Vec<Quad>,
    labels: HashMap<String, String, foldhash::fast::RandomState>,
    counter: usize,
    max_quads: usize,
}

/// Byte classes for the IRI check: 0 fine, 1 never allowed (ASCII controls,
/// space, `<>"{}|^`\\`), 2 `#`, 3 non-ASCII (a closer look).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b >= 0x80 {
            3
        } else if b <= 0x20
            || b == 0x7f
            || matches!(
                b,
                b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\'
            )
        {
            1
        } else if b == b'#' {
            2
        } else {
            0
        };
        i += 1;
    }
    t
};

/// An absolute IRI (not a blank node) without characters IRIs may not contain,
/// and with at most one `#`. One pass over the bytes.
pub fn well_formed_iri(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return false;
    };
    let scheme = &bytes[..colon];
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return false;
    }
    let (mut hashes, mut non_ascii) = (0u32, false);
    for &b in &bytes[colon + 1..] {
        match CLASS[b as usize] {
            0 => {}
            1 => return false,
            2 => hashes += 1,
            _ => non_ascii = true,
        }
    }
    // Non-ASCII is fine except C1 controls.
    hashes <= 1 && !(non_ascii && s.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)))
}

/// `map.get(key)` for the small maps of expanded JSON-LD: a linear scan beats
/// hashing the key.
pub(crate) fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= 8 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// BCP 47 shape: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
pub fn well_formed_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The XSD canonical form of a double, as JSON-LD writes it (`1.1E1`).
pub fn canonical_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF".into() } else { "-INF".into() };
    }
    let s = format!("{f:.15E}");
    let (mantissa, exp) = s.split_once('E').unwrap_or((&s, "0"));
    let mut m = mantissa.trim_end_matches('0').to_owned();
    if m.ends_with('.') {
        m.push('0');
    }
    format!("{m}E{exp}")
}

fn integer_form(f: f64) -> String {
    // |f| < 1e21 and no fractional part: exact in i128.
    #[allow(clippy::cast_possible_truncation)]
    let i = f as i128;
    i.to_string()
}

impl RdfWriter {
    pub fn new(max_quads: usize) -> Self {
        RdfWriter {
            quads: Vec::with_capacity(64),
            labels: HashMap::default(),
            counter: 0,
            max_quads,
        }
    }

    fn fresh(&mut self) -> BlankNode {
        let label = format!("b{}", self.counter);
        self.counter += 1;
        BlankNode::new_unchecked(label)
    }

    fn blank(&mut self, id: &str) -> BlankNode {
        if let Some(l) = self.labels.get(id) {
            return BlankNode::new_unchecked(l.clone());
        }
        let b = self.fresh();
        self.labels.insert(id.to_owned(), b.as_str().to_owned());
        b
    }

    fn resource(&mut self, id: &str) -> Option<NamedOrBlankNode> {
        if id.starts_with("_:") {
            Some(self.blank(id).into())
        } else if well_formed_iri(id) {
            Some(NamedNode::new_unchecked(id).into())
        } else {
            None
        }
    }

    fn push(
        &mut self,
        s: NamedOrBlankNode,
        p: NamedNode,
        o: Term,
        g: &GraphName,
    ) -> Result<(), EngineError> {
        if self.quads.len() >= self.max_quads {
            return Err(EngineError::TooManyQuads {
                limit: self.max_quads,
            });
        }
        self.quads.push(Quad::new(s, p, o, g.clone()));
        Ok(())
    }

    /// Every node object in `items` (top level, `@graph`, `@included`).
    pub fn nodes(&mut self, items: &[Value], graph: &GraphName) -> Result<(), EngineError> {
        for item in items {
            if let Value::Object(m) = item {
                if get(m, "@value").is_none() && get(m, "@list").is_none() {
                    self.node(m, graph)?;
                }
            }
        }
        Ok(())
    }

    /// One node object: its triples (and its nested nodes'), returning its subject.
    fn node(
        &mut self,
        m: &Map<String, Value>,
        graph: &GraphName,
    ) -> Result<Option<NamedOrBlankNode>, EngineError> {
        let subject = match get(m, "@id") {
            Some(Value::String(id)) => self.resource(id),
            Some(_) => None,
            None => Some(self.fresh().into()),
        };
        if let Some(Value::Array(types)) = get(m, "@type") {
            for t in types {
                let Some(t) = t.as_str() else { continue };
                let object = self.resource(t);
                if let (Some(s), Some(o)) = (&subject, object) {
                    self.push(s.clone(), rdf::TYPE.into_owned(), o.into(), graph)?;
                }
            }
        }
        for (prop, values) in m {
            match prop.as_str() {
                "@reverse" => {
                    let Value::Object(rev) = values else { continue };
                    for (rprop, rvalues) in rev {
                        let predicate =
                            well_formed_iri(rprop).then(|| NamedNode::new_unchecked(rprop));
                        for v in rvalues.as_array().map(Vec::as_slice).unwrap_or_default() {
                            let Value::Object(vm) = v else { continue };
                            let other = self.node(vm, graph)?;
                            if let (Some(o), Some(p), Some(s)) = (other, &predicate, &subject) {
                                self.push(o, p.clone(), s.clone().into(), graph)?;
                            }
                        }
                    }
                }
                "@graph" => {
                    let Value::Array(items) = values else {
                        continue;
                    };
                    if let Some(s) = &subject {
                        let name: GraphName = match s {
                            NamedOrBlankNode::NamedNode(n) => n.clone().into(),
                            NamedOrBlankNode::BlankNode(b) => b.clone().into(),
                        };
                        self.nodes(items, &name)?;
                    }
                }
                "@included" => {
                    if let Value::Array(items) = values {
                        self.nodes(items, graph)?;
                    }
                }
                p if p.starts_with('@') => {}
                p => {
                    let values = values.as_array().map(Vec::as_slice).unwrap_or_default();
                    let usable = subject.is_some() && well_formed_iri(p);
                    if let ([v], Some(s)) = (values, &subject) {
                        // One value (the usual case): build the predicate once, no clone.
                        if let (Some(o), true) = (self.object(v, graph)?, usable) {
                            self.push(s.clone(), NamedNode::new_unchecked(p), o, graph)?;
                        }
                        continue;
                    }
                    let predicate = usable.then(|| NamedNode::new_unchecked(p));
                    for v in values {
                        let object = self.object(v, graph)?;
                        if let (Some(o), Some(pr), Some(s)) = (object, &predicate, &subject) {
                            self.push(s.clone(), pr.clone(), o, graph)?;
                        }
                    }
                }
            }
        }
        Ok(subject)
    }

    /// Object to RDF (§8.4), processing nested nodes on the way.
    fn object(&mut self, v: &Value, graph: &GraphName) -> Result<Option<Term>, EngineError> {
        let Value::Object(m) = v else { return Ok(None) };
        if let Some(value) = get(m, "@value") {
            return Ok(self.literal(m, value));
        }
        if let Some(list) = get(m, "@list") {
            let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
            return self.list(items, graph).map(Some);
        }
        Ok(self.node(m, graph)?.map(Term::from))
    }

    /// List to RDF (§8.5).
    fn list(&mut self, items: &[Value], graph: &GraphName) -> Result<Term, EngineError> {
        if items.is_empty() {
            return Ok(rdf::NIL.into_owned().into());
        }
        let nodes: Vec<BlankNode> = items.iter().map(|_| self.fresh()).collect();
        for (i, item) in items.iter().enumerate() {
            let object = self.object(item, graph)?;
            if let Some(o) = object {
                self.push(nodes[i].clone().into(), rdf::FIRST.into_owned(), o, graph)?;
            }
            let rest: Term = match nodes.get(i + 1) {
                Some(n) => n.clone().into(),
                None => rdf::NIL.into_owned().into(),
            };
            self.push(nodes[i].clone().into(), rdf::REST.into_owned(), rest, graph)?;
        }
        Ok(nodes[0].clone().into())
    }

    fn literal(&self, m: &Map<String, Value>, value: &Value) -> Option<Term> {
        let datatype = get(m, "@type").and_then(Value::as_str);
        if let Some(dt) = datatype {
            if dt != "@json" && !well_formed_iri(dt) {
                return None;
            }
        }
        let language = get(m, "@language").and_then(Value::as_str);
        if let Some(l) = language {
            if !well_formed_language(l) {
                return None;
            }
        }
        let typed = |lexical: String, default: NamedNode| -> Option<Term> {
            let dt = datatype.map_or(default, NamedNode::new_unchecked);
            Some(Literal::new_typed_literal(lexical, dt).into())
        };
        if datatype == Some("@json") {
            let text = serde_json_canonicalizer::to_string(value).ok()?;
            return Some(
                Literal::new_typed_literal(
                    text,
                    NamedNode::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"),
                )
                .into(),
            );
        }
        match value {
            Value::Bool(b) => typed(b.to_string(), xsd::BOOLEAN.into_owned()),
            Value::Number(n) => {
                let is_double = datatype == Some(xsd::DOUBLE.as_str());
                if let Some(f) = n.as_f64().filter(|_| !(n.is_i64() || n.is_u64())) {
                    if f.fract() != 0.0 || f.abs() >= 1e21 || is_double {
                        typed(canonical_double(f), xsd::DOUBLE.into_owned())
                    } else {
                        typed(integer_form(f), xsd::INTEGER.into_owned())
                    }
                } else if is_double {
                    typed(
                        canonical_double(n.as_f64().unwrap_or(0.0)),
                        xsd::DOUBLE.into_owned(),
                    )
                } else {
                    typed(n.to_string(), xsd::INTEGER.into_owned())
                }
            }
            Value::String(s) => match (datatype, language) {
                (None, Some(l)) => Some(
                    Literal::new_language_tagged_literal_unchecked(s.clone(), l.to_owned()).into(),
                ),
                _ => typed(s.clone(), xsd::STRING.into_owned()),
            },
            _ => None,
        }
    }
}
