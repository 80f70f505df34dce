pub mod account;
pub mod admin;
pub mod home;
pub mod invitation;
pub mod login;
pub mod not_found;
pub mod password;
