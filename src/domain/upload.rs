//! Files people upload as evidence (ticket attachments, proof of a fund
//! claim). Their kind is judged from their first bytes, never from the
//! name or the browser's claim.

/// The largest file accepted anywhere.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// A PDF, PNG or JPEG: its content type and usual extension.
pub fn sniff_document(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_first_bytes() {
        assert_eq!(sniff_document(b"%PDF-1.7\n"), Some(("application/pdf", "pdf")));
        assert_eq!(sniff_document(b"\x89PNG\r\n\x1a\n...."), Some(("image/png", "png")));
        assert_eq!(sniff_document(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(("image/jpeg", "jpg")));
        assert_eq!(sniff_document(b"<html>%PDF-"), None);
    }
}
