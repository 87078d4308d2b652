//! The Expansion Algorithm (JSON-LD 1.1 API §5.1.2) and Value Expansion (§5.3.2),
//! with safe-mode problem detection on the way.

use std::sync::Arc;

use serde_json::{Map as JsonMap, Value as Json};

use super::tree::{Map, Value};

use super::context::{Context, Flags, Processor, TermDef, container, is_absolute_iri, is_keyword};
use super::{EngineError, err};
use crate::expand::{Problem, is_portable_number};

/// Where in the input document an element sits (for problem pointers).
#[derive(Clone, Copy)]
pub enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    pub fn pointer(&self) -> String {
        fn walk(p: &Path<'_>, out: &mut String) {
            match p {
                Path::Root => {}
                Path::Key(parent, key) => {
                    walk(parent, out);
                    out.push('/');
                    for c in key.chars() {
                        match c {
                            '~' => out.push_str("~0"),
                            '/' => out.push_str("~1"),
                            c => out.push(c),
                        }
                    }
                }
                Path::Index(parent, i) => {
                    walk(parent, out);
                    out.push('/');
                    out.push_str(&i.to_string());
                }
            }
        }
        let mut out = String::new();
        walk(self, &mut out);
        out
    }
}

/// What safe mode found.
#[derive(Debug, Default)]
pub struct Problems {
    /// Relative ids and unportable numbers, in document order.
    pub listed: Vec<Problem>,
    /// Undefined terms (sorted, distinct).
    pub undefined: std::collections::BTreeSet<String>,
}

pub struct Expander<'l> {
    pub proc: Processor<'l>,
    pub base_url: Option<String>,
    pub max_depth: usize,
    pub problems: Option<Problems>,
    /// An entry of the top-level object to leave out (see [`super::Options::skip_root_key`]).
    pub skip_root_key: Option<&'l str>,
}

fn as_array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Adds `value` to `map[key]` as an array (JSON-LD "add value", as array true).
fn add_value(map: &mut Map, key: &str, value: Value) {
    let Some(entry) = map.get_mut(key) else {
        let items = match value {
            Value::Array(v) => v,
            other => vec![other],
        };
        map.insert(key.to_owned(), Value::Array(items));
        return;
    };
    if !entry.is_array() {
        let old = std::mem::take(entry);
        *entry = Value::Array(vec![old]);
    }
    if let Value::Array(items) = entry {
        match value {
            Value::Array(v) => items.extend(v),
            other => items.push(other),
        }
    }
}

fn is_value_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.get("@value").is_some())
}

fn is_list_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.get("@list").is_some())
}

fn is_graph_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.get("@graph").is_some()
            && m.keys()
                .all(|k| matches!(k.as_str(), "@graph" | "@id" | "@index" | "@context"))
    })
}

fn scoped_of(def: Option<&Arc<TermDef>>) -> Option<Arc<TermDef>> {
    def.filter(|d| d.context.is_some()).cloned()
}

impl Expander<'_> {
    fn note(&mut self, problem: Problem) {
        if let Some(p) = &mut self.problems {
            p.listed.push(problem);
        }
    }

    fn note_undefined(&mut self, term: &str) {
        if let Some(p) = &mut self.problems {
            if !p.undefined.contains(term) {
                p.undefined.insert(term.to_owned());
            }
        }
    }

    fn check_number(&mut self, value: &Json, path: &Path<'_>) {
        if let (Json::Number(n), Some(_)) = (value, &self.problems) {
            if !is_portable_number(n) {
                self.note(Problem::UnportableNumber {
                    pointer: path.pointer(),
                    value: n.to_string(),
                });
            }
        }
    }

    fn apply_scoped(
        &mut self,
        ctx: &Arc<Context>,
        def: &TermDef,
        flags: Flags,
    ) -> Result<Arc<Context>, EngineError> {
        match &def.context {
            Some(scoped) => self
                .proc
                .apply_scoped(ctx, scoped, def.base_url.as_deref(), flags),
            None => Ok(ctx.clone()),
        }
    }

    /// The document's expanded form (top-level steps after §5.1.2).
    pub fn expand_document(
        &mut self,
        ctx: &Arc<Context>,
        doc: &Json,
    ) -> Result<Vec<Value>, EngineError> {
        let result = self.expand(ctx, None, doc, false, &Path::Root, 0)?;
        let result = match result {
            Value::Object(mut m) if m.len() == 1 && m.get("@graph").is_some() => {
                m.remove("@graph").unwrap_or(Value::Null)
            }
            other => other,
        };
        Ok(as_array(result))
    }

    /// Expansion Algorithm (§5.1.2).
    pub fn expand(
        &mut self,
        ctx: &Arc<Context>,
        active_property: Option<&str>,
        element: &Json,
        from_map: bool,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Value, EngineError> {
        if depth > self.max_depth {
            return Err(EngineError::TooDeep {
                limit: self.max_depth,
            });
        }
        // 1.
        if element.is_null() {
            return Ok(Value::Null);
        }
        // 3.
        let ap_def: Option<Arc<TermDef>> = active_property.and_then(|p| ctx.terms.get(p).cloned());
        match element {
            // 5.
            Json::Array(items) => {
                let list = ap_def
                    .as_ref()
                    .is_some_and(|d| d.container & container::LIST != 0);
                let mut result = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let p = Path::Index(path, i);
                    let mut e = self.expand(ctx, active_property, item, from_map, &p, depth + 1)?;
                    if list && e.is_array() {
                        let mut m = Map::new();
                        m.insert("@list".into(), e);
                        e = Value::Object(m);
                    }
                    match e {
                        Value::Array(v) => result.extend(v),
                        Value::Null => {}
                        other => result.push(other),
                    }
                }
                Ok(Value::Array(result))
            }
            Json::Object(map) => {
                self.expand_map(ctx, active_property, ap_def, map, from_map, path, depth)
            }
            scalar => {
                // 4.1
                if matches!(active_property, None | Some("@graph")) {
                    return Ok(Value::Null);
                }
                // 4.2
                let ctx = match scoped_of(ap_def.as_ref()) {
                    Some(def) => self.apply_scoped(
                        ctx,
                        &def,
                        Flags {
                            override_protected: true,
                            ..Flags::DEFAULT
                        },
                    )?,
                    None => ctx.clone(),
                };
                let def = active_property.and_then(|p| ctx.terms.get(p).cloned());
                self.value_expansion(&ctx, def.as_deref(), scalar, path)
            }
        }
    }

    /// Value Expansion (§5.3.2).
    fn value_expansion(
        &mut self,
        ctx: &Context,
        def: Option<&TermDef>,
        value: &Json,
        path: &Path<'_>,
    ) -> Result<Value, EngineError> {
        let type_mapping = def.and_then(|d| d.type_mapping.as_deref());
        if let (Some(tm @ ("@id" | "@vocab")), Json::String(s)) = (type_mapping, value) {
            let vocab = tm == "@vocab";
            let Some(iri) = ctx.expand_iri(s, true, vocab) else {
                return Ok(Value::Null);
            };
            if vocab && !iri.contains(':') && !is_keyword(&iri) {
                self.note_undefined(s);
            }
            let mut m = Map::new();
            m.insert("@id".into(), Value::String(iri.into_owned()));
            return Ok(Value::Object(m));
        }
        self.check_number(value, path);
        let mut m = Map::new();
        m.insert("@value".into(), Value::from_json(value));
        match type_mapping {
            Some(tm) if !matches!(tm, "@id" | "@vocab" | "@none") => {
                m.insert("@type".into(), Value::String(tm.to_owned()));
            }
            _ if value.is_string() => {
                let language = match def.and_then(|d| d.language.as_ref()) {
                    Some(l) => l.clone(),
                    None => ctx.language.clone(),
                };
                let direction = match def.and_then(|d| d.direction) {
                    Some(d) => d,
                    None => ctx.direction,
                };
                if let Some(l) = language {
                    m.insert("@language".into(), Value::String(l.to_string()));
                }
                if let Some(d) = direction {
                    m.insert("@direction".into(), Value::String(d.as_str().into()));
                }
            }
            _ => {}
        }
        Ok(Value::Object(m))
    }

    #[allow(clippy::too_many_arguments)]
    fn expand_map(
        &mut self,
        ctx: &Arc<Context>,
        active_property: Option<&str>,
        ap_def: Option<Arc<TermDef>>,
        map: &JsonMap<String, Json>,
        from_map: bool,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Value, EngineError> {
        let mut ctx = ctx.clone();
        // 7.
        if let Some(previous) = &ctx.previous {
            if !from_map {
                let revert = !map.keys().any(|k| {
                    ctx.expands_to_keyword(k, "@value")
                        || (map.len() == 1 && ctx.expands_to_keyword(k, "@id"))
                });
                if revert {
                    let previous = previous.clone();
                    ctx = previous;
                }
            }
        }
        // 8.
        if let Some(def) = scoped_of(ap_def.as_ref()) {
            ctx = self.apply_scoped(
                &ctx,
                &def,
                Flags {
                    override_protected: true,
                    ..Flags::DEFAULT
                },
            )?;
        }
        // 9.
        if let Some(local) = map.get("@context") {
            let base = self.base_url.clone();
            ctx = self.proc.apply_embedded(&ctx, local, base.as_deref())?;
        }
        // 10.
        let type_scoped = ctx.clone();
        // 11.
        let mut type_keys: Vec<&str> = map
            .keys()
            .filter(|k| ctx.expands_to_keyword(k, "@type"))
            .map(String::as_str)
            .collect();
        type_keys.sort_unstable();
        for key in &type_keys {
            let mut terms: Vec<&str> = match &map[*key] {
                Json::Array(items) => items.iter().filter_map(Json::as_str).collect(),
                Json::String(s) => vec![s.as_str()],
                _ => Vec::new(),
            };
            terms.sort_unstable();
            for term in terms {
                if let Some(def) = scoped_of(type_scoped.terms.get(term)) {
                    ctx = self.apply_scoped(
                        &ctx,
                        &def,
                        Flags {
                            propagate: false,
                            ..Flags::DEFAULT
                        },
                    )?;
                }
            }
        }
        // 12.
        let input_type: Option<String> = type_keys.first().and_then(|k| {
            let last = match &map[*k] {
                Json::Array(items) => items.last(),
                other => Some(other),
            };
            last.and_then(Json::as_str)
                .and_then(|t| ctx.expand_iri(t, false, true))
                .map(|c| c.into_owned())
        });
        let mut result = Map::with_capacity(map.len());
        // 13, 14.
        self.entries(
            &ctx,
            &type_scoped,
            active_property,
            map,
            &mut result,
            input_type.as_deref(),
            path,
            depth,
        )?;
        self.finish_map(result, active_property)
    }

    /// Steps 15-20.
    fn finish_map(
        &mut self,
        mut result: Map,
        active_property: Option<&str>,
    ) -> Result<Value, EngineError> {
        // 15.
        if result.get("@value").is_some() {
            if result.keys().any(|k| {
                !matches!(
                    k.as_str(),
                    "@direction" | "@index" | "@language" | "@type" | "@value"
                )
            }) || (result.get("@type").is_some()
                && (result.get("@language").is_some() || result.get("@direction").is_some()))
            {
                return Err(err("invalid value object", "unexpected entries"));
            }
            let ty = result.get("@type");
            if ty.and_then(Value::as_str) == Some("@json") {
                // any JSON value
            } else {
                let v = &result["@value"];
                if v.is_null() || v.as_array().is_some_and(Vec::is_empty) {
                    return Ok(Value::Null);
                }
                if !v.is_string() && result.get("@language").is_some() {
                    return Err(err("invalid language-tagged value", v.to_string()));
                }
                if let Some(ty) = ty {
                    match ty {
                        Value::String(t) if is_absolute_iri(t) && !t.starts_with("_:") => {}
                        other => return Err(err("invalid typed value", other.to_string())),
                    }
                }
                if !(v.is_string() || v.is_number() || v.is_boolean()) {
                    return Err(err("invalid value object value", v.to_string()));
                }
            }
        } else if let Some(ty) = result.get_mut("@type") {
            // 16.
            if !ty.is_array() {
                let old = std::mem::take(ty);
                *ty = Value::Array(vec![old]);
            }
        } else if result.get("@set").is_some() || result.get("@list").is_some() {
            // 17.
            let other = result
                .keys()
                .filter(|k| !matches!(k.as_str(), "@set" | "@list"))
                .count();
            if result.len() > 2
                || (result.len() == 2 && (other != 1 || result.get("@index").is_none()))
            {
                return Err(err("invalid set or list object", "extra entries"));
            }
            if let Some(set) = result.remove("@set") {
                return Ok(set);
            }
        }
        // 18.
        if result.len() == 1 && result.get("@language").is_some() {
            return Ok(Value::Null);
        }
        // 19.
        if matches!(active_property, None | Some("@graph"))
            && (result.is_empty()
                || result.get("@value").is_some()
                || result.get("@list").is_some()
                || (result.len() == 1 && result.get("@id").is_some()))
        {
            return Ok(Value::Null);
        }
        Ok(Value::Object(result))
    }

    /// Steps 13 and 14 for one element (also used for `@nest`ed maps).
    #[allow(clippy::too_many_arguments)]
    fn entries(
        &mut self,
        ctx: &Arc<Context>,
        type_scoped: &Arc<Context>,
        active_property: Option<&str>,
        element: &JsonMap<String, Json>,
        result: &mut Map,
        input_type: Option<&str>,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), EngineError> {
        let mut nests: Vec<&str> = Vec::new();
        for (key, value) in element {
            // 13.1
            if key == "@context" {
                continue;
            }
            if matches!(path, Path::Root) && self.skip_root_key == Some(key.as_str()) {
                continue;
            }
            let kpath = Path::Key(path, key);
            // 13.2, 13.3
            let expanded = ctx.expand_iri(key, false, true);
            let ep: String = match expanded {
                Some(ep) if ep.contains(':') || is_keyword(&ep) => ep.into_owned(),
                _ => {
                    self.undefined_key(ctx, key, value, &kpath, depth)?;
                    continue;
                }
            };
            // 13.4
            if is_keyword(&ep) {
                if active_property == Some("@reverse") {
                    return Err(err("invalid reverse property map", key.clone()));
                }
                if result.get(&ep).is_some() && !matches!(ep.as_str(), "@included" | "@type") {
                    return Err(err("colliding keywords", ep));
                }
                let expanded_value: Value = match ep.as_str() {
                    "@id" => {
                        let Json::String(id) = value else {
                            return Err(err("invalid @id value", value.to_string()));
                        };
                        if self.problems.is_some() && !crate::expand::is_absolute_iri(id) {
                            self.note(Problem::RelativeId {
                                pointer: kpath.pointer(),
                                value: id.clone(),
                            });
                        }
                        match ctx.expand_iri(id, true, false) {
                            Some(iri) => Value::String(iri.into_owned()),
                            None => Value::Null,
                        }
                    }
                    "@type" => {
                        let types: Vec<&Json> = match value {
                            Json::String(_) => vec![value],
                            Json::Array(items) if items.iter().all(Json::is_string) => {
                                items.iter().collect()
                            }
                            other => return Err(err("invalid type value", other.to_string())),
                        };
                        let mut expanded_types = Vec::with_capacity(types.len());
                        for t in types {
                            let t = t.as_str().unwrap_or_default();
                            if let Some(iri) = type_scoped.expand_iri(t, true, true) {
                                if !iri.contains(':') && !is_keyword(&iri) {
                                    self.note_undefined(t);
                                }
                                expanded_types.push(Value::String(iri.into_owned()));
                            }
                        }
                        let new = if value.is_string() && expanded_types.len() == 1 {
                            expanded_types.pop().unwrap_or(Value::Null)
                        } else {
                            Value::Array(expanded_types)
                        };
                        match result.remove("@type") {
                            Some(old) => {
                                let mut all = as_array(old);
                                all.extend(as_array(new));
                                Value::Array(all)
                            }
                            None => new,
                        }
                    }
                    "@graph" => Value::Array(as_array(self.expand(
                        ctx,
                        Some("@graph"),
                        value,
                        false,
                        &kpath,
                        depth + 1,
                    )?)),
                    "@included" => {
                        let items = as_array(self.expand(
                            ctx,
                            Some("@included"),
                            value,
                            false,
                            &kpath,
                            depth + 1,
                        )?);
                        for item in &items {
                            let ok = item.as_object().is_some_and(|m| {
                                m.get("@value").is_none()
                                    && m.get("@list").is_none()
                                    && m.get("@set").is_none()
                            });
                            if !ok {
                                return Err(err("invalid @included value", item.to_string()));
                            }
                        }
                        match result.remove("@included") {
                            Some(old) => {
                                let mut all = as_array(old);
                                all.extend(items);
                                Value::Array(all)
                            }
                            None => Value::Array(items),
                        }
                    }
                    "@value" => {
                        if input_type == Some("@json") {
                            Value::from_json(value)
                        } else {
                            if value.is_object() || value.is_array() {
                                return Err(err("invalid value object value", value.to_string()));
                            }
                            self.check_number(value, &kpath);
                            if value.is_null() {
                                result.insert("@value".into(), Value::Null);
                                continue;
                            }
                            Value::from_json(value)
                        }
                    }
                    "@language" => match value {
                        Json::String(s) => Value::String(s.to_ascii_lowercase()),
                        other => {
                            return Err(err("invalid language-tagged string", other.to_string()));
                        }
                    },
                    "@direction" => match value.as_str() {
                        Some("ltr" | "rtl") => Value::from_json(value),
                        _ => return Err(err("invalid base direction", value.to_string())),
                    },
                    "@index" => match value {
                        Json::String(s) => Value::String(s.clone()),
                        other => return Err(err("invalid @index value", other.to_string())),
                    },
                    "@list" => {
                        if matches!(active_property, None | Some("@graph")) {
                            continue;
                        }
                        Value::Array(as_array(self.expand(
                            ctx,
                            active_property,
                            value,
                            false,
                            &kpath,
                            depth + 1,
                        )?))
                    }
                    "@set" => self.expand(ctx, active_property, value, false, &kpath, depth + 1)?,
                    "@reverse" => {
                        if !value.is_object() {
                            return Err(err("invalid @reverse value", value.to_string()));
                        }
                        let expanded =
                            self.expand(ctx, Some("@reverse"), value, false, &kpath, depth + 1)?;
                        if let Value::Object(mut em) = expanded {
                            if let Some(Value::Object(double)) = em.remove("@reverse") {
                                for (prop, items) in double {
                                    add_value(result, &prop, items);
                                }
                            }
                            if !em.is_empty() {
                                let mut reverse_map = match result.remove("@reverse") {
                                    Some(Value::Object(m)) => m,
                                    _ => Map::new(),
                                };
                                for (prop, items) in em {
                                    for item in as_array(items) {
                                        if is_value_object(&item) || is_list_object(&item) {
                                            return Err(err(
                                                "invalid reverse property value",
                                                item.to_string(),
                                            ));
                                        }
                                        add_value(&mut reverse_map, &prop, item);
                                    }
                                }
                                result.insert("@reverse".into(), Value::Object(reverse_map));
                            }
                        }
                        continue;
                    }
                    "@nest" => {
                        nests.push(key);
                        continue;
                    }
                    _ => continue,
                };
                // 13.4.16
                if !(expanded_value.is_null() && ep == "@value" && input_type != Some("@json")) {
                    result.insert(ep, expanded_value);
                }
                continue;
            }
            // 13.5
            let key_def = ctx.terms.get(key.as_str()).cloned();
            let cont = key_def.as_ref().map_or(0, |d| d.container);
            let mut expanded_value: Value = if key_def
                .as_ref()
                .and_then(|d| d.type_mapping.as_deref())
                == Some("@json")
            {
                // 13.6
                let mut m = Map::new();
                m.insert("@value".into(), Value::from_json(value));
                m.insert("@type".into(), Value::String("@json".into()));
                Value::Object(m)
            } else if let (true, Json::Object(lang_map)) = (cont & container::LANGUAGE != 0, value)
            {
                // 13.7
                let direction = match key_def.as_ref().and_then(|d| d.direction) {
                    Some(d) => d,
                    None => ctx.direction,
                };
                let mut items = Vec::new();
                for (language, lv) in lang_map {
                    let lvs = match lv {
                        Json::Array(a) => a.as_slice(),
                        other => std::slice::from_ref(other),
                    };
                    for item in lvs {
                        match item {
                            Json::Null => continue,
                            Json::String(_) => {}
                            other => {
                                return Err(err("invalid language map value", other.to_string()));
                            }
                        }
                        let mut m = Map::new();
                        m.insert("@value".into(), Value::from_json(item));
                        if language != "@none"
                            && ctx.expand_iri(language, false, true).as_deref() != Some("@none")
                        {
                            m.insert(
                                "@language".into(),
                                Value::String(language.to_ascii_lowercase()),
                            );
                        }
                        if let Some(d) = direction {
                            m.insert("@direction".into(), Value::String(d.as_str().into()));
                        }
                        items.push(Value::Object(m));
                    }
                }
                Value::Array(items)
            } else if let (true, Json::Object(index_map)) = (
                cont & (container::INDEX | container::TYPE | container::ID) != 0,
                value,
            ) {
                // 13.8
                self.index_map(ctx, key, key_def.as_deref(), cont, index_map, &kpath, depth)?
            } else {
                // 13.9
                self.expand(ctx, Some(key), value, false, &kpath, depth + 1)?
            };
            // 13.10
            if expanded_value.is_null() {
                continue;
            }
            // 13.11
            if cont & container::LIST != 0 && !is_list_object(&expanded_value) {
                let mut m = Map::new();
                m.insert("@list".into(), Value::Array(as_array(expanded_value)));
                expanded_value = Value::Object(m);
            }
            // 13.12
            if cont & container::GRAPH != 0 && cont & (container::ID | container::INDEX) == 0 {
                expanded_value = Value::Array(
                    as_array(expanded_value)
                        .into_iter()
                        .map(|ev| {
                            let mut m = Map::new();
                            m.insert("@graph".into(), Value::Array(as_array(ev)));
                            Value::Object(m)
                        })
                        .collect(),
                );
            }
            // 13.13
            if key_def.as_ref().is_some_and(|d| d.reverse) {
                let mut reverse_map = match result.remove("@reverse") {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                for item in as_array(expanded_value) {
                    if is_value_object(&item) || is_list_object(&item) {
                        return Err(err("invalid reverse property value", item.to_string()));
                    }
                    add_value(&mut reverse_map, &ep, item);
                }
                result.insert("@reverse".into(), Value::Object(reverse_map));
            } else {
                // 13.14
                add_value(result, &ep, expanded_value);
            }
        }
        // 14.
        for nesting_key in nests {
            let kpath = Path::Key(path, nesting_key);
            let nested = match &element[nesting_key] {
                Json::Array(a) => a.as_slice(),
                other => std::slice::from_ref(other),
            };
            let nest_ctx = match scoped_of(ctx.terms.get(nesting_key)) {
                Some(def) => self.apply_scoped(
                    ctx,
                    &def,
                    Flags {
                        override_protected: true,
                        ..Flags::DEFAULT
                    },
                )?,
                None => ctx.clone(),
            };
            for nv in nested {
                let Json::Object(nm) = nv else {
                    return Err(err("invalid @nest value", nv.to_string()));
                };
                if nm.keys().any(|k| nest_ctx.expands_to_keyword(k, "@value")) {
                    return Err(err("invalid @nest value", nv.to_string()));
                }
                self.entries(
                    &nest_ctx,
                    type_scoped,
                    Some(nesting_key),
                    nm,
                    result,
                    input_type,
                    &kpath,
                    depth + 1,
                )?;
            }
        }
        Ok(())
    }

    /// A key that expands to nothing: dropped by JSON-LD, reported in safe mode
    /// when its value would have produced RDF.
    fn undefined_key(
        &mut self,
        ctx: &Arc<Context>,
        key: &str,
        value: &Json,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), EngineError> {
        if self.problems.is_none()
            || ctx.terms.contains_key(key)
            || super::context::has_keyword_form(key)
        {
            return Ok(());
        }
        // Expand the value anyway (and discard it) to learn whether it carries
        // anything, and to find what is undefined inside it.
        match self.expand(ctx, Some(key), value, false, path, depth + 1) {
            Ok(Value::Null) => {}
            Ok(Value::Array(a)) if a.is_empty() => {}
            Err(EngineError::TooDeep { limit }) => return Err(EngineError::TooDeep { limit }),
            _ => self.note_undefined(key),
        }
        Ok(())
    }

    /// Step 13.8: index, id and type maps.
    #[allow(clippy::too_many_arguments)]
    fn index_map(
        &mut self,
        ctx: &Arc<Context>,
        key: &str,
        key_def: Option<&TermDef>,
        cont: u8,
        index_map: &JsonMap<String, Json>,
        kpath: &Path<'_>,
        depth: usize,
    ) -> Result<Value, EngineError> {
        let index_key = key_def.and_then(|d| d.index.as_deref()).unwrap_or("@index");
        let mut out = Vec::new();
        for (index, index_value) in index_map {
            let ipath = Path::Key(kpath, index);
            let mut map_ctx = if cont & (container::ID | container::TYPE) != 0 {
                ctx.previous.clone().unwrap_or_else(|| ctx.clone())
            } else {
                ctx.clone()
            };
            if cont & container::TYPE != 0 {
                if let Some(def) = scoped_of(map_ctx.terms.get(index.as_str())) {
                    map_ctx = self.apply_scoped(&map_ctx, &def, Flags::DEFAULT)?;
                }
            }
            let expanded_index = ctx.expand_iri(index, false, true).map(|c| c.into_owned());
            let is_none = expanded_index.as_deref() == Some("@none");
            let wrapped;
            let iv = if index_value.is_array() {
                index_value
            } else {
                wrapped = Json::Array(vec![index_value.clone()]);
                &wrapped
            };
            let items = as_array(self.expand(&map_ctx, Some(key), iv, true, &ipath, depth + 2)?);
            for mut item in items {
                if cont & container::GRAPH != 0 && !is_graph_object(&item) {
                    let mut m = Map::new();
                    m.insert("@graph".into(), Value::Array(as_array(item)));
                    item = Value::Object(m);
                }
                let value_object = is_value_object(&item);
                let Value::Object(im) = &mut item else {
                    out.push(item);
                    continue;
                };
                if cont & container::INDEX != 0 && index_key != "@index" && !is_none {
                    let def = ctx.terms.get(index_key).cloned();
                    let re = self.value_expansion(
                        ctx,
                        def.as_deref(),
                        &Json::String(index.clone()),
                        &ipath,
                    )?;
                    let eik = ctx
                        .expand_iri(index_key, false, true)
                        .map(|c| c.into_owned())
                        .unwrap_or_default();
                    if value_object {
                        return Err(err(
                            "invalid value object",
                            "value object with an index key",
                        ));
                    }
                    let mut values = vec![re];
                    if let Some(old) = im.remove(&eik) {
                        values.extend(as_array(old));
                    }
                    im.insert(eik, Value::Array(values));
                } else if cont & container::INDEX != 0 && im.get("@index").is_none() && !is_none {
                    im.insert("@index".into(), Value::String(index.clone()));
                } else if cont & container::ID != 0 && im.get("@id").is_none() && !is_none {
                    let id = ctx
                        .expand_iri(index, true, false)
                        .map(|c| c.into_owned())
                        .unwrap_or_default();
                    im.insert("@id".into(), Value::String(id));
                } else if cont & container::TYPE != 0 && !is_none {
                    let mut types = vec![Value::String(expanded_index.clone().unwrap_or_default())];
                    if let Some(old) = im.remove("@type") {
                        types.extend(as_array(old));
                    }
                    im.insert("@type".into(), Value::Array(types));
                }
                out.push(item);
            }
        }
        Ok(Value::Array(out))
    }
}
