//! Pieces pages share. Components never import pages or the app shell.

pub mod card;
pub mod confirm;
pub mod form;
pub mod invite;
pub mod layout;
pub mod loaded;
pub mod pager;
pub mod progress;
pub mod style;
pub mod table;
pub mod time;
