//! Turns `jsonschema` errors into [`SchemaIssue`]s worded in plain language.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use super::SchemaIssue;
use super::compiled::CompiledSchema;

/// Longest rendering of an offending value inside a message.
const MAX_VALUE_CHARS: usize = 60;
/// Most allowed values listed for an `enum`.
const MAX_LISTED_VALUES: usize = 40;

/// The issues one validation error stands for (usually one; several for
/// unexpected properties or for errors inside `oneOf` / `anyOf`).
pub(crate) fn issues_for(error: &ValidationError<'_>, schema: &CompiledSchema) -> Vec<SchemaIssue> {
    let pointer = error.instance_path.as_str().to_owned();
    let single = |message: String| vec![SchemaIssue::new(pointer.clone(), message)];
    match &error.kind {
        ValidationErrorKind::Required { property } => {
            single(format!("required property {} is missing", quote(property)))
        }
        ValidationErrorKind::Type { kind } => single(format!(
            "expected {}, found {}",
            expected_types(kind),
            describe_type(&error.instance)
        )),
        ValidationErrorKind::Enum { options } => single(format!(
            "expected {}, found {}",
            allowed_values(options),
            render(&error.instance)
        )),
        ValidationErrorKind::Constant { expected_value } => single(format!(
            "expected {}, found {}",
            render(expected_value),
            render(&error.instance)
        )),
        ValidationErrorKind::Format { format } => single(format_message(format, &error.instance)),
        ValidationErrorKind::Pattern { pattern } => single(format!(
            "{} does not match the required pattern {pattern}",
            render(&error.instance)
        )),
        ValidationErrorKind::MinItems { limit } => single(format!(
            "expected at least {limit} {}, found {}",
            plural(*limit, "item"),
            count(&error.instance)
        )),
        ValidationErrorKind::MaxItems { limit } => single(format!(
            "expected at most {limit} {}, found {}",
            plural(*limit, "item"),
            count(&error.instance)
        )),
        ValidationErrorKind::AdditionalItems { limit } => single(format!(
            "expected at most {limit} {}, found {}",
            plural(*limit as u64, "item"),
            count(&error.instance)
        )),
        ValidationErrorKind::MinLength { limit } => single(format!(
            "expected at least {limit} {}",
            plural(*limit, "character")
        )),
        ValidationErrorKind::MaxLength { limit } => single(format!(
            "expected at most {limit} {}",
            plural(*limit, "character")
        )),
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                SchemaIssue::new(
                    pointer.clone(),
                    format!("property '{name}' is not allowed here"),
                )
            })
            .collect(),
        ValidationErrorKind::Contains => single(contains_message(error, schema)),
        ValidationErrorKind::UniqueItems => single("expected all items to be different".to_owned()),
        ValidationErrorKind::FalseSchema => single("no value is allowed here".to_owned()),
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            single("the value matches more than one of the allowed forms".to_owned())
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            alternatives(&pointer, &error.instance, context, schema)
        }
        _ => single(error.to_string()),
    }
}

/// Explains why no branch of a `oneOf` / `anyOf` matched. Branches that fail
/// only because the value has another JSON type (e.g. the "IRI string"
/// branch of an issuer given as an object) are set aside; if exactly one
/// branch remains its own issues are reported, which is where the real
/// problem lies.
fn alternatives(
    pointer: &str,
    instance: &Value,
    branches: &[Vec<ValidationError<'static>>],
    schema: &CompiledSchema,
) -> Vec<SchemaIssue> {
    let relevant: Vec<&Vec<ValidationError<'static>>> = branches
        .iter()
        .filter(|errors| !is_shape_mismatch(errors, pointer))
        .collect();
    match relevant.as_slice() {
        [] => {
            let mut expected: Vec<String> = Vec::new();
            for error in branches.iter().flatten() {
                if let ValidationErrorKind::Type { kind } = &error.kind {
                    let wording = expected_types(kind);
                    if !expected.contains(&wording) {
                        expected.push(wording);
                    }
                }
            }
            let message = if expected.is_empty() {
                "the value does not match any of the allowed forms".to_owned()
            } else {
                format!(
                    "expected {}, found {}",
                    expected.join(" or "),
                    describe_type(instance)
                )
            };
            vec![SchemaIssue::new(pointer, message)]
        }
        [only] => collect(only, schema),
        several => {
            let all_here = several
                .iter()
                .all(|errors| errors.len() == 1 && errors[0].instance_path.as_str() == pointer);
            if all_here {
                let expectations: Option<Vec<String>> = several
                    .iter()
                    .map(|errors| expectation(&errors[0]))
                    .collect();
                if let Some(expectations) = expectations {
                    return vec![SchemaIssue::new(
                        pointer,
                        format!(
                            "expected {}, found {}",
                            expectations.join(" or "),
                            render(instance)
                        ),
                    )];
                }
                let reasons: Vec<String> = several
                    .iter()
                    .flat_map(|errors| collect(errors, schema))
                    .map(|issue| issue.message)
                    .collect();
                vec![SchemaIssue::new(
                    pointer,
                    format!(
                        "the value matches none of the allowed forms: {}",
                        reasons.join("; or ")
                    ),
                )]
            } else {
                // Report the branch that came closest (fewest problems).
                several
                    .iter()
                    .min_by_key(|errors| errors.len())
                    .map(|errors| collect(errors, schema))
                    .unwrap_or_default()
            }
        }
    }
}

/// What a single failed check expected, as a noun phrase, when it can be
/// said briefly ("one of 'a', 'b'", "a value matching …", "a string").
fn expectation(error: &ValidationError<'static>) -> Option<String> {
    match &error.kind {
        ValidationErrorKind::Enum { options } => Some(allowed_values(options)),
        ValidationErrorKind::Constant { expected_value } => Some(render(expected_value)),
        ValidationErrorKind::Pattern { pattern } => Some(format!("a value matching {pattern}")),
        ValidationErrorKind::Type { kind } => Some(expected_types(kind)),
        _ => None,
    }
}

fn collect(errors: &[ValidationError<'static>], schema: &CompiledSchema) -> Vec<SchemaIssue> {
    let mut issues: Vec<SchemaIssue> = Vec::new();
    for error in errors {
        for issue in issues_for(error, schema) {
            if !issues.contains(&issue) {
                issues.push(issue);
            }
        }
    }
    issues
}

/// A branch that failed only on the JSON type of the value itself.
fn is_shape_mismatch(errors: &[ValidationError<'static>], pointer: &str) -> bool {
    matches!(errors, [error] if matches!(error.kind, ValidationErrorKind::Type { .. })
        && error.instance_path.as_str() == pointer)
}

/// "expected the array to contain …", worded from the failing `contains`
/// subschema when it is a simple `enum` or `const`.
fn contains_message(error: &ValidationError<'_>, schema: &CompiledSchema) -> String {
    let wanted = schema_node(schema, error.schema_path.as_str()).and_then(|node| {
        node.get("enum")
            .map(allowed_values)
            .or_else(|| node.get("const").map(render))
    });
    match wanted {
        Some(wanted) => format!("expected the array to contain {wanted}"),
        None => "expected the array to contain a matching item".to_owned(),
    }
}

/// Follows a keyword location (which may pass through `$ref`s) from the
/// schema's entry point to the subschema it names.
fn schema_node<'a>(schema: &'a CompiledSchema, location: &str) -> Option<&'a Value> {
    let mut node = &schema.entry;
    for raw in location.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        node = if segment == "$ref" {
            let reference = node.get("$ref")?.as_str()?;
            let (_, fragment) = reference.split_once('#')?;
            schema.document.pointer(fragment)?
        } else {
            match node {
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => node.get(segment.as_str())?,
            }
        };
    }
    Some(node)
}

fn format_message(format: &str, instance: &Value) -> String {
    match format {
        "date-time" => format!(
            "expected a date-time with a time zone (RFC 3339, e.g. 2024-01-31T09:00:00Z), found {}",
            render(instance)
        ),
        "date" => format!("expected a date (YYYY-MM-DD), found {}", render(instance)),
        other => format!("{} is not a valid {other}", render(instance)),
    }
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(json_type) => type_name(*json_type).to_owned(),
        TypeKind::Multiple(set) => set.iter().map(type_name).collect::<Vec<_>>().join(" or "),
    }
}

fn type_name(json_type: JsonType) -> &'static str {
    match json_type {
        JsonType::Array => "an array",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Null => "null",
        JsonType::Number => "a number",
        JsonType::Object => "an object",
        JsonType::String => "a string",
    }
}

fn describe_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn allowed_values(options: &Value) -> String {
    let Some(options) = options.as_array() else {
        return format!("one of {}", render(options));
    };
    let listed: Vec<String> = options.iter().take(MAX_LISTED_VALUES).map(render).collect();
    match options.len() {
        1 => listed.join(""),
        n if n > MAX_LISTED_VALUES => format!(
            "one of {} and {} more",
            listed.join(", "),
            n - MAX_LISTED_VALUES
        ),
        _ => format!("one of {}", listed.join(", ")),
    }
}

fn quote(value: &Value) -> String {
    match value {
        Value::String(text) => format!("'{text}'"),
        other => other.to_string(),
    }
}

/// Short rendering of a value: strings in single quotes, others as JSON,
/// both cut to a reasonable length.
fn render(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let shortened = if text.chars().count() > MAX_VALUE_CHARS {
        let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    };
    match value {
        Value::String(_) => format!("'{shortened}'"),
        _ => shortened,
    }
}

fn count(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

fn plural(count: u64, word: &str) -> String {
    if count == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
