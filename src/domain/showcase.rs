//! A listing's pictures: its logo and the integration showcase's
//! screenshots. The listing holds a "logo (the brand's logo rules)"
//! and "up to 6 screenshots (same upload rules as logos)"; the pictures
//! belong to a version like the text, so an edit in review leaves the
//! published pictures up, and approving publishes text and pictures
//! together.

use serde::{Deserialize, Serialize};

choices!(
    /// What a picture is to its listing.
    ImageKind {
        Logo => "logo", "Logo";
        Screenshot => "screenshot", "Screenshot";
    }
);

/// Screenshots one version shows.
pub const MAX_SCREENSHOTS: usize = 6;
/// A screenshot's description for people who cannot see it.
pub const ALT_MAX: usize = 160;
/// The logo's place; screenshots follow from 1, in the order they show.
pub const LOGO_POSITION: i64 = 0;

/// One picture of a listing version, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingImage {
    /// Stable while the version lasts; a new version copies pictures under
    /// new ids, so links name the version's own.
    pub id: i64,
    pub kind: ImageKind,
    /// 0 for the logo, 1… for screenshots; kept when a version is copied,
    /// so a picture is named by its place across versions.
    pub position: i64,
    /// Empty for the logo, which is described by the listing's name.
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

/// A picture as a page shows it: the text read out in its place.
pub fn alt_text(image: &ListingImage, listing_name: &str) -> String {
    match image.kind {
        ImageKind::Logo => format!("{listing_name} logo"),
        ImageKind::Screenshot => image.alt.clone(),
    }
}

/// Where anyone fetches a published picture.
pub fn public_src(slug: &str, id: i64) -> String {
    format!("/marketplace/{slug}/images/{id}")
}

/// Where the partner's people (`org` `None`) or a manager fetch a picture
/// of any version.
pub fn preview_src(id: i64, org: Option<i64>) -> String {
    match org {
        Some(o) => format!("/listing/images/{id}?org={o}"),
        None => format!("/listing/images/{id}"),
    }
}

/// The logo among a version's pictures.
pub fn logo(images: &[ListingImage]) -> Option<&ListingImage> {
    images.iter().find(|i| i.kind == ImageKind::Logo)
}

/// The screenshots, in the order they show.
pub fn screenshots(images: &[ListingImage]) -> Vec<&ListingImage> {
    let mut s: Vec<&ListingImage> = images.iter().filter(|i| i.kind == ImageKind::Screenshot).collect();
    s.sort_by_key(|i| i.position);
    s
}

/// A picture being added, checked: where it goes and its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub kind: ImageKind,
    /// `LOGO_POSITION` (replacing any logo), or after the last screenshot.
    pub position: i64,
    pub alt: String,
}

/// Where a new picture of `kind` goes among `existing` ones, or the field
/// and the reason it is refused. A logo replaces the version's logo; a
/// screenshot needs a description and a free place of the six.
pub fn place(kind: &str, alt: &str, existing: &[ListingImage]) -> Result<Placement, (&'static str, String)> {
    let kind = ImageKind::parse(kind).ok_or(("kind", "Choose whether this is the logo or a screenshot.".to_owned()))?;
    let alt = alt.trim();
    match kind {
        ImageKind::Logo => Ok(Placement { kind, position: LOGO_POSITION, alt: String::new() }),
        ImageKind::Screenshot => {
            if alt.is_empty() {
                return Err(("alt", "Describe what the screenshot shows, for people who cannot see it.".into()));
            }
            if alt.chars().count() > ALT_MAX {
                return Err(("alt", format!("Use at most {ALT_MAX} characters.")));
            }
            let shots = screenshots(existing);
            if shots.len() >= MAX_SCREENSHOTS {
                return Err((
                    "image",
                    format!("A listing shows at most {MAX_SCREENSHOTS} screenshots. Remove one before adding another."),
                ));
            }
            let position = shots.last().map(|s| s.position + 1).unwrap_or(LOGO_POSITION + 1);
            Ok(Placement { kind, position, alt: alt.to_owned() })
        }
    }
}

/// The screenshot at `position` swapped with its neighbour before it
/// (`earlier`) or after it: the two positions to exchange, or `None` at an
/// end or for a place no screenshot holds.
pub fn swap_with(existing: &[ListingImage], position: i64, earlier: bool) -> Option<(i64, i64)> {
    let shots = screenshots(existing);
    let i = shots.iter().position(|s| s.position == position)?;
    let j = if earlier { i.checked_sub(1)? } else { i + 1 };
    shots.get(j).map(|other| (position, other.position))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shot(position: i64) -> ListingImage {
        ListingImage {
            id: position,
            kind: ImageKind::Screenshot,
            position,
            alt: format!("Screen {position}"),
            width: 10,
            height: 10,
        }
    }

    fn logo_image() -> ListingImage {
        ListingImage { id: 99, kind: ImageKind::Logo, position: 0, alt: String::new(), width: 10, height: 10 }
    }

    #[test]
    fn a_logo_takes_the_logo_place_and_needs_no_description() {
        let p = place("logo", "  ", &[logo_image(), shot(1)]).unwrap();
        assert_eq!(p, Placement { kind: ImageKind::Logo, position: 0, alt: String::new() });
    }

    #[test]
    fn a_screenshot_goes_after_the_last_one_even_when_an_earlier_place_was_freed() {
        assert_eq!(place("screenshot", "Setup", &[]).unwrap().position, 1);
        assert_eq!(place("screenshot", "Setup", &[logo_image(), shot(1), shot(4)]).unwrap().position, 5);
    }

    #[test]
    fn a_screenshot_without_a_description_is_refused_on_its_description() {
        assert_eq!(place("screenshot", "   ", &[]).unwrap_err().0, "alt");
        assert_eq!(place("screenshot", &"x".repeat(ALT_MAX + 1), &[]).unwrap_err().0, "alt");
        assert!(place("screenshot", &"x".repeat(ALT_MAX), &[]).is_ok());
    }

    #[test]
    fn a_seventh_screenshot_is_refused_but_a_logo_still_fits() {
        let six: Vec<ListingImage> = (1..=6).map(shot).collect();
        let (field, message) = place("screenshot", "One more", &six).unwrap_err();
        assert_eq!(field, "image");
        assert!(message.contains("at most 6"), "{message}");
        assert!(place("logo", "", &six).is_ok());
    }

    #[test]
    fn an_unknown_kind_is_refused() {
        assert_eq!(place("banner", "x", &[]).unwrap_err().0, "kind");
    }

    #[test]
    fn screenshots_show_in_place_order_and_the_logo_is_found_apart() {
        let images = vec![shot(3), logo_image(), shot(1)];
        assert_eq!(screenshots(&images).iter().map(|s| s.position).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(logo(&images).map(|l| l.id), Some(99));
        assert_eq!(alt_text(&images[1], "Acme"), "Acme logo");
        assert_eq!(alt_text(&images[0], "Acme"), "Screen 3");
    }

    #[test]
    fn a_screenshot_swaps_with_its_neighbour_but_not_past_either_end() {
        let images = vec![logo_image(), shot(1), shot(3), shot(4)];
        assert_eq!(swap_with(&images, 3, true), Some((3, 1)));
        assert_eq!(swap_with(&images, 3, false), Some((3, 4)));
        assert_eq!(swap_with(&images, 1, true), None);
        assert_eq!(swap_with(&images, 4, false), None);
        assert_eq!(swap_with(&images, 0, false), None);
        assert_eq!(swap_with(&images, 2, false), None);
    }
}
