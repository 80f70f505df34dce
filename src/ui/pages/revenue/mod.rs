//! Revenue share pages: the partner's dashboard (also staff's view of one
//! partner, with the terms editor), a statement with "why this amount",
//! the managers' program page and list of every statement, and an
//! import's result.

mod billing;
mod dashboard;
mod import;
mod list;
mod program;
mod shared;
mod statement;
mod terms;
mod trend;

pub use billing::BillingPage;
pub use dashboard::RevenuePage;
pub use import::{ImportCheckPage, ImportPage, ImportsPage};
pub use list::StatementListPage;
pub use program::ProgramPage;
pub use statement::{StatementPage, StatementPrintPage};
