//! The built assets under `/pkg` (the wasm module, its JavaScript glue, the
//! stylesheet). Pages link them under a folder named for their content,
//! `/pkg/<version>/…`, which browsers may keep for a year without asking
//! again: a new build has a new version, so a deploy is never mixed with an
//! old module, and a returning visit costs no request at all.
//!
//! The version is a hash of the files, read once at start-up, not names
//! rewritten by the build: the server then works from any build of the site
//! (`cargo leptos build`, `watch`, release or debug) and reads no file per
//! page (Leptos' own hashed names read a hash file on every render).

use axum::http::{header, HeaderValue};
use axum::Router;
use leptos::prelude::LeptosOptions;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tower_http::set_header::SetResponseHeaderLayer;

/// Where the assets are on disk and the version they are served under.
#[derive(Clone, Debug)]
pub struct Assets {
    dir: PathBuf,
    version: String,
    url_dir: String,
}

impl Assets {
    /// Reads the site's asset folder once and names its version. A missing
    /// folder (a server built without its site) has a version too, so its
    /// pages still render.
    pub fn read(options: &LeptosOptions) -> Self {
        let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let version = version_of(&dir);
        let url_dir = format!("{}/{version}", options.site_pkg_dir.trim_matches('/'));
        Assets { dir, version, url_dir }
    }

    /// The folder pages name their assets under, without slashes around it:
    /// what Leptos calls the site's package directory.
    pub fn url_dir(&self) -> &str {
        &self.url_dir
    }

    /// `/pkg/<version>/…` kept for a year; `/pkg/…` (the error pages' plain
    /// link, and anyone holding an address from before) asked again each
    /// visit. A request for another build's version finds nothing rather
    /// than this build's file under a name that promises other content.
    /// While `cargo leptos watch` rebuilds files in place the version does
    /// not follow them, so then nothing is kept.
    pub fn routes(&self, base_dir: &str, rebuilt_in_place: bool) -> Router {
        let kept = if rebuilt_in_place { "no-cache" } else { "public, max-age=31536000, immutable" };
        Router::new()
            .nest_service(&format!("/{}", self.url_dir), serve(&self.dir, kept))
            .nest_service(&format!("/{}", base_dir.trim_matches('/')), serve(&self.dir, "no-cache"))
    }

    pub fn version(&self) -> &str {
        &self.version
    }
}

fn serve(dir: &Path, cache_control: &'static str) -> Router {
    let files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(cache_control)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        // A release build made with `--precompress` leaves `.br` and `.gz`
        // beside each file, compressed at the highest levels once; without
        // them the compression layer compresses on the fly at a low level.
        .service(tower_http::services::ServeDir::new(dir).precompressed_br().precompressed_gzip());
    Router::new().fallback_service(files)
}

/// The first 12 hex digits of a SHA-256 over every file's name and bytes,
/// in name order (subfolders included): any change to any file changes it.
fn version_of(dir: &Path) -> String {
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    let mut hash = Sha256::new();
    for (name, path) in &files {
        hash.update(name.as_bytes());
        hash.update([0]);
        match std::fs::read(path) {
            Ok(bytes) => hash.update(&bytes),
            Err(e) => tracing::warn!(file = %path.display(), error = %e, "an asset could not be read"),
        }
        hash.update([0]);
    }
    let digest = hash.finalize();
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push((rel.to_string_lossy().into_owned(), path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder of the test's own, removed when dropped.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("pp-assets-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn options(root: &Path) -> LeptosOptions {
        LeptosOptions::builder().output_name("p").site_root(root.to_string_lossy().to_string()).build()
    }

    #[test]
    fn the_version_changes_when_any_file_changes_and_only_then() {
        let root = Scratch::new("change");
        let pkg = root.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("p.css"), "a{}").unwrap();
        std::fs::write(pkg.join("p.wasm"), [0u8, 1, 2]).unwrap();
        let first = Assets::read(&options(root.path()));
        assert_eq!(first.version().len(), 12);
        assert_eq!(first.url_dir(), format!("pkg/{}", first.version()));
        assert_eq!(Assets::read(&options(root.path())).version(), first.version());
        std::fs::write(pkg.join("p.wasm"), [0u8, 1, 3]).unwrap();
        assert_ne!(Assets::read(&options(root.path())).version(), first.version());
    }

    #[test]
    fn a_missing_asset_folder_still_has_a_version() {
        let root = Scratch::new("missing");
        assert_eq!(Assets::read(&options(root.path())).version().len(), 12);
    }
}
