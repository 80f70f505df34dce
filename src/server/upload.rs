//! One reader for the multipart forms behind uploads (support tickets and
//! replies, fund claims, revenue imports, logos). The same form arrives with
//! or without JavaScript; each handler reads it whole, then picks its text
//! fields and its file by name.

use axum::extract::Multipart;

/// A multipart form read whole.
pub struct UploadForm {
    parts: Vec<Part>,
}

struct Part {
    name: String,
    file_name: Option<String>,
    bytes: Vec<u8>,
}

/// A file part: the name the browser gave it and its bytes (empty when the
/// form was sent without choosing a file).
pub struct FilePart {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The body could not be read: larger than the route's limit, or not a
/// well-formed multipart body. Each handler words this for its own limit.
#[derive(Debug)]
pub struct Unreadable;

impl UploadForm {
    pub async fn read(mut form: Multipart) -> Result<Self, Unreadable> {
        let mut parts = Vec::new();
        while let Some(field) = form.next_field().await.map_err(|_| Unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|_| Unreadable)?.to_vec();
            parts.push(Part { name, file_name, bytes });
        }
        Ok(UploadForm { parts })
    }

    /// The text of field `name`, empty when it is missing. Browsers send
    /// text fields as UTF-8; anything else is replaced, not trusted.
    pub fn text(&self, name: &str) -> String {
        self.parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
            .unwrap_or_default()
    }

    /// Takes the part `name` as a file, if the form has one.
    pub fn take_file(&mut self, name: &str) -> Option<FilePart> {
        let i = self.parts.iter().position(|p| p.name == name)?;
        let part = self.parts.swap_remove(i);
        Some(FilePart { file_name: part.file_name.unwrap_or_default(), bytes: part.bytes })
    }
}
