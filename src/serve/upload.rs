//! Reading an upload: a `multipart/form-data` body whose `file` part is the notice (other named
//! parts are returned as text), or a raw body whose file name is in the `X-File-Name` header or
//! the `name` query parameter. The body is read under the service's body limit and a read
//! timeout.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap, StatusCode};

use super::errors::ApiError;

/// The header that names a raw upload (percent-encoded UTF-8 is decoded).
pub const FILE_NAME_HEADER: &str = "x-file-name";
/// Longest file name kept, in bytes (longer names are cut at a character boundary).
const MAX_NAME_BYTES: usize = 255;

/// One uploaded file and the form's other text fields.
#[derive(Debug)]
pub struct Upload {
    /// The file's name, reduced to its last path segment without control characters.
    pub name: String,
    pub bytes: Bytes,
    /// Other multipart fields by name (e.g. `tasks` for a drawing), in the order sent.
    pub fields: Vec<(String, String)>,
}

impl Upload {
    /// The text of the field `name`, if it was sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A file name a client sent, made safe for messages and for `source.path`: percent-decoded,
/// the last segment after `/` or `\`, control characters dropped, at most 255 bytes; `upload`
/// when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let last = decoded.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name: String = last.chars().filter(|c| !c.is_control()).collect();
    let name_trimmed = name.trim();
    if name_trimmed.is_empty() || name_trimmed == "." || name_trimmed == ".." {
        return "upload".into();
    }
    name = name_trimmed.to_string();
    if name.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}

/// The declared `Content-Length`, when it is a number.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads the upload of `request`: a declared length above `max_body` is refused before reading
/// (413); a body that grows past it while read is refused too; the whole body must arrive within
/// `read_timeout` (408). `name_query` is the `name` query parameter, used for a raw body without
/// the header.
pub async fn read_upload(
    request: Request,
    max_body: u64,
    read_timeout: Duration,
    name_query: Option<&str>,
) -> Result<Upload, ApiError> {
    if content_length(request.headers()).is_some_and(|n| n > max_body) {
        return Err(ApiError::too_large(max_body));
    }
    let read = async {
        if is_multipart(request.headers()) {
            read_multipart(request, max_body).await
        } else {
            read_raw(request, max_body, name_query).await
        }
    };
    match tokio::time::timeout(read_timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "read-timeout",
            format!("the request body did not arrive within {} s", read_timeout.as_secs()),
        )),
    }
}

async fn read_raw(request: Request, max_body: u64, name_query: Option<&str>) -> Result<Upload, ApiError> {
    let header_name =
        request.headers().get(FILE_NAME_HEADER).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let name = header_name.as_deref().or(name_query).map(clean_name).ok_or_else(|| {
        ApiError::bad_request(
            "no file name: send the file as multipart/form-data (field \"file\"), or as the raw body with its name in the X-File-Name header or the name query parameter",
        )
    })?;
    let limit = usize::try_from(max_body).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(request.into_body(), limit).await.map_err(|e| {
        let inner = e.into_inner();
        if inner.is::<http_body_util::LengthLimitError>() {
            ApiError::too_large(max_body)
        } else {
            ApiError::bad_request(format!("the request body could not be read: {inner}"))
        }
    })?;
    Ok(Upload { name, bytes, fields: Vec::new() })
}

/// At most this many text fields, each at most this many bytes, besides the file.
const MAX_FIELDS: usize = 8;

async fn read_multipart(request: Request, max_body: u64) -> Result<Upload, ApiError> {
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| ApiError::bad_request(format!("the multipart form could not be read: {}", e.body_text())))?;
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(max_body)
        } else {
            ApiError::bad_request(format!("the multipart form could not be read: {}", e.body_text()))
        }
    };
    let mut file: Option<(String, Bytes)> = None;
    let mut fields = Vec::new();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let field_name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        if field_name == "file" || (file_name.is_some() && file.is_none()) {
            if file.is_some() {
                return Err(ApiError::bad_request("the form holds more than one file: send one file a request"));
            }
            let bytes = field.bytes().await.map_err(multipart_error)?;
            file = Some((clean_name(file_name.as_deref().unwrap_or("upload")), bytes));
        } else {
            if fields.len() == MAX_FIELDS {
                return Err(ApiError::bad_request(format!("the form holds more than {MAX_FIELDS} text fields")));
            }
            let text = field.text().await.map_err(multipart_error)?;
            fields.push((field_name, text));
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::bad_request("the multipart form holds no file (a part named \"file\")"))?;
    Ok(Upload { name, bytes, fields })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_segment_without_controls() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\docs\\通知.pdf"), "通知.pdf");
        assert_eq!(clean_name("%E9%80%9A%E7%9F%A5.pdf"), "通知.pdf");
        assert_eq!(clean_name("a\u{1b}[31mb.txt"), "a[31mb.txt");
        assert_eq!(clean_name("dir/"), "upload");
        assert_eq!(clean_name(".."), "upload");
        assert_eq!(clean_name(&"通".repeat(200)).len(), 255);
    }
}
