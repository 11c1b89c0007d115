//! Form posts with files (`multipart/form-data`, RFC 7578) and without
//! (`application/x-www-form-urlencoded`), read into one shape so a handler takes either.
//! Bodies are already bounded by the request-body limit of the middleware stack.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

/// One field of a posted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The file name, when the field is a file.
    pub filename: Option<String>,
    /// The field's bytes.
    pub data: Vec<u8>,
}

/// A posted form: fields by name (the first of each name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posted(pub HashMap<String, Field>);

impl Posted {
    /// A text field, trimmed; empty when absent or not UTF-8.
    pub fn text(&self, name: &str) -> String {
        self.0
            .get(name)
            .and_then(|f| std::str::from_utf8(&f.data).ok())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    /// A file field that holds something.
    pub fn file(&self, name: &str) -> Option<&Field> {
        self.0
            .get(name)
            .filter(|f| f.filename.is_some() && !f.data.is_empty())
    }
}

/// Reads a form post of either encoding; `Err` says what is wrong with it.
pub fn read(headers: &HeaderMap, body: &[u8]) -> Result<Posted, String> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "multipart/form-data" => {
            let b = boundary(ctype).ok_or("the multipart form names no boundary")?;
            parse(body, &b)
        }
        "application/x-www-form-urlencoded" | "" => {
            let mut out = HashMap::new();
            for (k, v) in url::form_urlencoded::parse(body) {
                out.entry(k.into_owned()).or_insert(Field {
                    filename: None,
                    data: v.into_owned().into_bytes(),
                });
            }
            Ok(Posted(out))
        }
        other => Err(format!("a form cannot be sent as {other}")),
    }
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len())
        .find(|&i| hay[i] == needle[0] && &hay[i..i + needle.len()] == needle)
}

/// A parameter of a header value (`name="file"`), unquoted.
fn param(value: &str, name: &str) -> Option<String> {
    let mut rest = value;
    while let Some(i) = rest.find(';') {
        rest = &rest[i + 1..];
        let p = rest.trim_start();
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        let v = v.trim_start();
        if let Some(q) = v.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = q.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => out.extend(chars.next()),
                    '"' => return Some(out),
                    c => out.push(c),
                }
            }
            return Some(out);
        }
        return Some(v.split(';').next().unwrap_or("").trim().to_string());
    }
    None
}

/// Parses a `multipart/form-data` body.
pub fn parse(body: &[u8], boundary: &str) -> Result<Posted, String> {
    let delim = format!("--{boundary}").into_bytes();
    let next_delim = format!("\r\n--{boundary}").into_bytes();
    let mut pos = find(body, &delim, 0).ok_or("the form holds no part")? + delim.len();
    let mut out = HashMap::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(Posted(out));
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("a part boundary is not followed by a line break".into());
        }
        pos += 2;
        let end = find(body, &next_delim, pos).ok_or("the form ends before its last boundary")?;
        let part = &body[pos..end];
        let split = find(part, b"\r\n\r\n", 0)
            .map(|i| (i, i + 4))
            .or_else(|| part.starts_with(b"\r\n").then_some((0, 2)))
            .ok_or("a part has no blank line after its headers")?;
        let head =
            std::str::from_utf8(&part[..split.0]).map_err(|_| "part headers are not text")?;
        let mut name = None;
        let mut filename = None;
        for line in head.split("\r\n") {
            if let Some((k, v)) = line.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-disposition")
            {
                name = param(v, "name");
                filename = param(v, "filename");
            }
        }
        let name = name.ok_or("a part has no name")?;
        out.entry(name).or_insert(Field {
            filename,
            data: part[split.1..].to_vec(),
        });
        pos = end + next_delim.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_files() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nA title\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pkg \\\"1\\\".json\"\r\nContent-Type: application/json\r\n\r\n{\"a\":\r\n1}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--XyZ--\r\n";
        let p = parse(body, "XyZ").unwrap();
        assert_eq!(p.text("title"), "A title");
        let f = p.file("file").unwrap();
        assert_eq!(f.filename.as_deref(), Some("pkg \"1\".json"));
        assert_eq!(f.data, b"{\"a\":\r\n1}");
        assert_eq!(p.text("empty"), "");
        assert!(p.file("title").is_none());
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        assert!(
            parse(
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
                "XyZ"
            )
            .is_err()
        );
        assert!(parse(b"nothing here", "XyZ").is_err());
    }
}
