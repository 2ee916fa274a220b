//! Control characters are read out of every input where it enters: query strings and
//! urlencoded forms (one middleware, [`clean_request`]), JSON bodies (`ApiJson`) and the text
//! fields of multipart forms (`read_multipart`).
//!
//! What is taken out: the C0 controls U+0000–U+001F except tab, line feed and carriage return,
//! and U+007F. None of them belongs in an official text; a NUL is refused by PostgreSQL's text
//! type (a 500 before this) and kept by SQLite, so the two engines stored different things.
//! They are removed rather than refused: they arrive unseen, pasted from word processors, and a
//! person cannot find an invisible character to delete it.

use std::borrow::Cow;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether a character is one taken out of input.
fn is_stripped(c: char) -> bool {
    (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

/// The text without its control characters (borrowed when it had none).
pub fn strip_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_stripped) {
        Cow::Owned(s.chars().filter(|c| !is_stripped(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Takes control characters out of every string of a JSON value, keys included.
pub fn clean_json(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(clean) = strip_controls(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean_json),
        Value::Object(map) => {
            if map.keys().any(|k| k.chars().any(is_stripped)) {
                let old = std::mem::take(map);
                for (k, mut val) in old {
                    clean_json(&mut val);
                    map.insert(strip_controls(&k).into_owned(), val);
                }
            } else {
                map.values_mut().for_each(clean_json);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The value of a hexadecimal digit.
fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// An `application/x-www-form-urlencoded` text (a body or a query string) without the control
/// characters it encodes (`%00`–`%1F` but `%09`, `%0A`, `%0D`; `%7F`) or carries raw.
pub fn strip_encoded_controls(raw: &[u8]) -> Cow<'_, [u8]> {
    let stripped_at = |i: usize| -> Option<usize> {
        let b = raw[i];
        if b == b'%'
            && let (Some(h), Some(l)) = (
                raw.get(i + 1).copied().and_then(hex),
                raw.get(i + 2).copied().and_then(hex),
            )
            && is_stripped(char::from(h * 16 + l))
        {
            return Some(3);
        }
        (b < 0x80 && is_stripped(char::from(b))).then_some(1)
    };
    if !(0..raw.len()).any(|i| stripped_at(i).is_some()) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match stripped_at(i) {
            Some(n) => i += n,
            None => {
                out.push(raw[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// The largest urlencoded body read: the application's body limit, so a form's own smaller
/// limit still answers in its words (files come as multipart, which this leaves alone).
const FORM_LIMIT: usize = 32 * 1024 * 1024;

/// Middleware: the query string and an urlencoded body without control characters.
pub async fn clean_request(req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if let Some(q) = parts.uri.query()
        && let Cow::Owned(clean) = strip_encoded_controls(q.as_bytes())
    {
        let mut pq = parts.uri.path().to_owned();
        pq.push('?');
        pq.push_str(&String::from_utf8_lossy(&clean));
        let mut uri = parts.uri.clone().into_parts();
        if let Ok(p) = pq.parse() {
            uri.path_and_query = Some(p);
            if let Ok(u) = Uri::from_parts(uri) {
                parts.uri = u;
            }
        }
    }
    let urlencoded = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !urlencoded {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return (
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "表单内容过大".to_owned(),
            )
                .into_response();
        }
    };
    let body = match strip_encoded_controls(&bytes) {
        Cow::Borrowed(_) => Body::from(bytes),
        Cow::Owned(clean) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(clean)
        }
    };
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_go_and_line_breaks_stay() {
        assert_eq!(strip_controls("a\u{0}b\u{7}c\td\ne\r\u{7f}"), "abc\td\ne\r");
        assert!(matches!(strip_controls("公文标题"), Cow::Borrowed(_)));
        let raw = b"title=%E5%85%AC%00%e6%96%87&body=a%0Ab%1fc%7F%25%30%30\x01d";
        assert_eq!(
            &*strip_encoded_controls(raw),
            b"title=%E5%85%AC%e6%96%87&body=a%0Abc%25%30%30d"
        );
        assert!(matches!(
            strip_encoded_controls(b"q=%E9%80%9A%0D%0A%09&page=2%"),
            Cow::Borrowed(_)
        ));
        let mut v = serde_json::json!({"t\u{0}": ["x\u{1b}y", {"k": "\u{0}"}], "n": 1});
        clean_json(&mut v);
        assert_eq!(v, serde_json::json!({"t": ["xy", {"k": ""}], "n": 1}));
    }
}
