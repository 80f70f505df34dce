//! Logo uploads: PNG, JPEG or WebP only, checked by decoding. The format is
//! sniffed from the bytes (the file name and declared type are ignored), the
//! dimensions are read from the header and refused before any pixel is
//! decoded, and decoding runs under memory limits, so a renamed file or a
//! decompression bomb is refused quickly.

use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;

pub const MAX_LOGO_BYTES: usize = 512 * 1024;
pub const MAX_LOGO_SIDE: u32 = 2_048;

pub struct CheckedLogo {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    /// A strong validator for HTTP caching: the SHA-256 of the bytes.
    pub etag: String,
}

pub fn check_logo(bytes: &[u8]) -> Result<CheckedLogo, String> {
    if bytes.is_empty() {
        return Err("Choose an image file.".into());
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(format!("The logo is {} KB; the limit is {} KB.", bytes.len() / 1024, MAX_LOGO_BYTES / 1024));
    }
    let format = image::guess_format(bytes).map_err(|_| "The file is not a PNG, JPEG or WebP image.".to_owned())?;
    let content_type = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::WebP => "image/webp",
        _ => return Err("Use a PNG, JPEG or WebP image (SVG and other formats are not accepted).".into()),
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_LOGO_SIDE);
    limits.max_image_height = Some(MAX_LOGO_SIDE);
    limits.max_alloc = Some(64 * 1024 * 1024);
    // Reading the header allocates nothing: the size is known before decoding.
    let mut header = ImageReader::with_format(Cursor::new(bytes), format);
    header.no_limits();
    let (width, height) =
        header.into_dimensions().map_err(|_| "The image could not be read; it may be damaged.".to_owned())?;
    if width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE {
        return Err(format!("The logo is {width}×{height} pixels; the limit is {MAX_LOGO_SIDE}×{MAX_LOGO_SIDE}."));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader.decode().map_err(|_| "The image could not be decoded; it may be damaged or too large.".to_owned())?;
    let etag = format!("\"{:x}\"", Sha256::digest(bytes));
    Ok(CheckedLogo { content_type, width, height, etag })
}
