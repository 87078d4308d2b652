//! Recipient lists (CSV) for bulk awards: reading what spreadsheets export,
//! checking every row, and writing CSV exports safely.
//!
//! Accepted: UTF-8 (with or without a byte-order mark), comma, semicolon or
//! tab separated (European spreadsheets use semicolons), a header row naming
//! the columns (English, French or Spanish names). Columns: name and e-mail
//! (required); evidence URL, evidence text, issue date, expiry date and an
//! external id (optional).

use crate::design::{is_http_url, parse_date};

/// Most rows one upload may have.
pub const MAX_ROWS: usize = 50_000;
/// Largest file accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    /// 1-based line number in the file, counting the header as line 1.
    pub line: i64,
    pub name: String,
    pub email: String,
    pub evidence_url: String,
    pub evidence_narrative: String,
    pub issued_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub external_id: String,
    /// Catalogue key of the row's problem, if any.
    pub problem: Option<&'static str>,
}

/// Why a whole file is refused (catalogue keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterError {
    TooLarge,
    NotUtf8,
    Empty,
    MissingColumn(&'static str),
    TooManyRows,
    Malformed {
        line: u64,
    },
    /// A control character (NUL…) that no cell may hold.
    ControlCharacter {
        line: u64,
    },
}

impl RosterError {
    pub fn key(&self) -> &'static str {
        match self {
            RosterError::TooLarge => "bulk-error-too-large",
            RosterError::NotUtf8 => "bulk-error-encoding",
            RosterError::Empty => "bulk-error-empty",
            RosterError::MissingColumn("name") => "bulk-error-no-name-column",
            RosterError::MissingColumn(_) => "bulk-error-no-email-column",
            RosterError::TooManyRows => "bulk-error-too-many",
            RosterError::Malformed { .. } => "bulk-error-malformed",
            RosterError::ControlCharacter { .. } => "bulk-error-control",
        }
    }
}

#[derive(Clone, Copy)]
enum Column {
    Name,
    Email,
    EvidenceUrl,
    EvidenceText,
    IssuedOn,
    ExpiresOn,
    ExternalId,
}

fn column_of(header: &str) -> Option<Column> {
    let h: String = header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    Some(match h.as_str() {
        "name" | "fullname" | "recipientname" | "recipient" | "nom" | "nomcomplet" | "nombre"
        | "nombrecompleto" => Column::Name,
        "email" | "emailaddress" | "mail" | "recipientemail" | "courriel" | "adressemail"
        | "adresseemail" | "correo" | "correoelectronico" => Column::Email,
        "evidenceurl" | "evidencelink" | "evidence" | "preuve" | "lienpreuve" | "evidencia" => {
            Column::EvidenceUrl
        }
        "evidencetext"
        | "evidencenarrative"
        | "narrative"
        | "descriptionpreuve"
        | "descripcionevidencia" => Column::EvidenceText,
        "issuedon" | "issuedate" | "issued" | "datedelivrance" | "fechaemision" => Column::IssuedOn,
        "expireson" | "expirydate" | "expires" | "expiration" | "dateexpiration"
        | "fechacaducidad" => Column::ExpiresOn,
        "id" | "externalid" | "studentid" | "learnerid" | "identifiant" | "matricule" => {
            Column::ExternalId
        }
        _ => return None,
    })
}

fn delimiter(header_line: &str) -> u8 {
    let count = |c: char| header_line.matches(c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    }
}

fn day(text: &str) -> Result<Option<i64>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_date(text)
        .map(|d| Some(d.midnight().assume_utc().unix_timestamp()))
        .ok_or(())
}

/// Reads and checks a recipient list. Whole-file problems are errors; row
/// problems are reported on each row (duplicates included).
pub fn parse(bytes: &[u8]) -> Result<Vec<RosterRow>, RosterError> {
    if bytes.len() > MAX_BYTES {
        return Err(RosterError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| RosterError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(line) = text
        .lines()
        .position(crate::validate::has_forbidden_control)
    {
        return Err(RosterError::ControlCharacter {
            line: line as u64 + 1,
        });
    }
    let header_line = text.lines().next().ok_or(RosterError::Empty)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(header_line))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| RosterError::Malformed { line: 1 })?
        .clone();
    let columns: Vec<Option<Column>> = headers.iter().map(column_of).collect();
    if !columns.iter().any(|c| matches!(c, Some(Column::Name))) {
        return Err(RosterError::MissingColumn("name"));
    }
    if !columns.iter().any(|c| matches!(c, Some(Column::Email))) {
        return Err(RosterError::MissingColumn("email"));
    }
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| RosterError::Malformed {
            line: e.position().map_or(0, |p| p.line()),
        })?;
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(RosterError::TooManyRows);
        }
        let line = record
            .position()
            .map_or(0, |p| i64::try_from(p.line()).unwrap_or(i64::MAX));
        let mut row = RosterRow {
            line,
            name: String::new(),
            email: String::new(),
            evidence_url: String::new(),
            evidence_narrative: String::new(),
            issued_at: None,
            expires_at: None,
            external_id: String::new(),
            problem: None,
        };
        let mut bad_date = false;
        for (field, column) in record.iter().zip(&columns) {
            match column {
                Some(Column::Name) => row.name = field.to_owned(),
                Some(Column::Email) => row.email = field.to_lowercase(),
                Some(Column::EvidenceUrl) => row.evidence_url = field.to_owned(),
                Some(Column::EvidenceText) => row.evidence_narrative = field.to_owned(),
                Some(Column::IssuedOn) => {
                    row.issued_at = day(field).unwrap_or_else(|()| {
                        bad_date = true;
                        None
                    })
                }
                Some(Column::ExpiresOn) => {
                    row.expires_at = day(field).unwrap_or_else(|()| {
                        bad_date = true;
                        None
                    })
                }
                Some(Column::ExternalId) => row.external_id = field.to_owned(),
                None => {}
            }
        }
        row.problem = if row.name.is_empty() {
            Some("bulk-error-row-name")
        } else if row.name.chars().count() > 200 {
            Some("bulk-error-row-name-long")
        } else if !crate::validate::email_ok(&row.email) {
            Some("bulk-error-row-email")
        } else if !row.evidence_url.is_empty() && !is_http_url(&row.evidence_url) {
            Some("bulk-error-row-evidence")
        } else if bad_date {
            Some("bulk-error-row-date")
        } else if let (Some(e), Some(i)) = (row.expires_at, row.issued_at) {
            (e <= i).then_some("bulk-error-row-expiry")
        } else {
            None
        };
        if row.problem.is_none() && !seen.insert((row.email.clone(), row.external_id.clone())) {
            row.problem = Some("bulk-error-row-duplicate");
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(rows)
}

/// A cell made safe for spreadsheets: text starting with `=`, `+`, `-`, `@`,
/// tab or carriage return would run as a formula when opened, so it gets a
/// leading apostrophe (the OWASP "CSV injection" advice).
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_what_spreadsheets_write() {
        let csv = "\u{feff}Nom;Courriel;Preuve\nAmira Haddad;Amira@Example.org;https://x.org/p\n;;\nJean;jean@example.org;\n";
        let rows = parse(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].email, "amira@example.org");
        assert_eq!(rows[0].evidence_url, "https://x.org/p");
        assert_eq!(rows[0].problem, None);
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn row_problems_are_named() {
        let csv = "name,email,expires_on\nA,not-an-email,\nB,b@example.org,2020-13-01\nC,c@example.org,\nC again,C@example.org,\n,d@example.org,\n";
        let problems: Vec<_> = parse(csv.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| r.problem)
            .collect();
        assert_eq!(
            problems,
            vec![
                Some("bulk-error-row-email"),
                Some("bulk-error-row-date"),
                None,
                Some("bulk-error-row-duplicate"),
                Some("bulk-error-row-name"),
            ]
        );
    }

    #[test]
    fn whole_file_problems() {
        assert_eq!(
            parse(b"name,email\n\xff\xfe,x\n"),
            Err(RosterError::NotUtf8)
        );
        assert_eq!(
            parse(b"email\nx@example.org\n"),
            Err(RosterError::MissingColumn("name"))
        );
        assert_eq!(
            parse(b"name\nx\n"),
            Err(RosterError::MissingColumn("email"))
        );
        assert_eq!(parse(b"name,email\n"), Err(RosterError::Empty));
        assert_eq!(parse(b""), Err(RosterError::Empty));
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("Amira"), "Amira");
    }
}
