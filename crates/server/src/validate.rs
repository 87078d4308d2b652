//! Input the database must never see: control characters (NUL above all,
//! which PostgreSQL refuses in text and SQLite would store) in any field a
//! person or a file sends. Checked once for every request's path, query and
//! URL-encoded form body (the `clean_input` layer in `routes`), for every
//! text field of a multipart form (where the handlers read them) and for every cell of a
//! CSV recipient list (`roster::parse`). Also the one check of an e-mail
//! address, shared by the forms and the CSV recipient lists.

/// Whether `email` looks like an address one can write to (one `@`, a
/// dotted domain, no spaces, at most 254 characters); the mail server has
/// the last word.
pub fn email_ok(email: &str) -> bool {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    }
}

/// Whether `text` has a character no form field has any business carrying:
/// any control character but tab, line feed and carriage return (which
/// multi-line fields and CSV files hold), including DEL and the C1 range.
pub fn has_forbidden_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Whether any name or value of a URL-encoded form (or query string) has a
/// forbidden control character once decoded (bytes that are not UTF-8 count
/// as forbidden: `%FF` cannot be a form field of a UTF-8 page).
pub fn form_is_clean(encoded: &[u8]) -> bool {
    url::form_urlencoded::parse(encoded).all(|(name, value)| {
        !has_forbidden_control(&name)
            && !has_forbidden_control(&value)
            && !name.contains('\u{fffd}')
            && !value.contains('\u{fffd}')
    }) && percent_decodes_to_utf8(encoded)
}

fn percent_decodes_to_utf8(encoded: &[u8]) -> bool {
    encoded.split(|b| *b == b'&').all(|pair| {
        let plus_free: Vec<u8> = pair
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        let decoded: Vec<u8> = percent_decode(&plus_free);
        std::str::from_utf8(&decoded).is_ok()
    })
}

/// Whether a percent-encoded path decodes to text without forbidden control
/// characters.
pub fn path_is_clean(path: &str) -> bool {
    let decoded = percent_decode(path.as_bytes());
    std::str::from_utf8(&decoded).is_ok_and(|p| !has_forbidden_control(p))
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    percent_encoding::percent_decode(input).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found() {
        assert!(has_forbidden_control("a\0b"));
        assert!(has_forbidden_control("bell\u{7}"));
        assert!(has_forbidden_control("del\u{7f}"));
        assert!(has_forbidden_control("c1\u{85}"));
        assert!(!has_forbidden_control("two\r\nlines\tand tabs, é, 日本"));
    }

    #[test]
    fn forms_paths_and_queries() {
        assert!(form_is_clean(b"email=a%40b.org&name=Amira+Haddad"));
        assert!(!form_is_clean(b"email=a%00b"));
        assert!(!form_is_clean(b"na%00me=x"));
        assert!(!form_is_clean(b"name=%FF"));
        assert!(form_is_clean(b"text=line%0D%0Aline"));
        assert!(path_is_clean("/b/abc/v/1/image.png"));
        assert!(!path_is_clean("/b/ab%00c"));
        assert!(!path_is_clean("/b/%C3"));
        assert!(path_is_clean("/b/%C3%A9"));
    }
}
