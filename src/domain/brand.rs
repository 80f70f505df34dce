//! A brand is the face a request is served under: the program's own, or a
//! white-label partner's on its verified domain. Every tenant-owned row
//! belongs to exactly one brand.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brand {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub is_default: bool,
}
