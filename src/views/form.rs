//! A refused form sent back to its page without JavaScript: the server keeps
//! it for one load of that page, and the page renders from it.

use serde::{Deserialize, Serialize};

/// What a page needs to show a refused form again: which server function
/// refused it, its error as the server function encodes it for the address
/// (`__err`, which `ServerAction` decodes), and the fields as typed, minus
/// secrets (`domain::form::keeps_field`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FormFlash {
    pub path: String,
    pub err: String,
    pub fields: Vec<(String, String)>,
}

impl FormFlash {
    /// The first value typed into `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value posted under `name` (a group of checkboxes).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Whether this draft belongs to the form of `path` with `key`
    /// (`domain::form::KEY_FIELD`; forms without one have none).
    pub fn belongs_to(&self, path: &str, key: Option<&str>) -> bool {
        self.path == path && self.value(crate::domain::form::KEY_FIELD) == key
    }
}
