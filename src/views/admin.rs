//! What the admin pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::account::{PendingInvitation, UserSummary};
use crate::domain::audit::AuditEntry;
use crate::domain::inbox::{QueueLine, WorkItem};
use crate::domain::listing::Order;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersData {
    /// The admin looking, whose own row offers no changes.
    pub viewer_id: i64,
    /// One page (`domain::account::USERS_PAGE`) in the order shown.
    pub users: Vec<UserSummary>,
    pub invitations: Vec<PendingInvitation>,
    pub order: Order,
    /// The search as applied, if any.
    pub search: Option<String>,
    /// 1-based page shown, of `pages`; `total` users match.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` to see older entries.
    pub older: Option<i64>,
    /// The area shown (`domain::audit::AREAS`), if one was chosen.
    pub area: Option<String>,
    /// The search as applied, if any.
    pub search: Option<String>,
    /// The partner whose entries these are, when one was asked for.
    #[serde(default)]
    pub organisation_id: Option<i64>,
}

pub const AUDIT_PAGE_SIZE: i64 = 50;

/// The staff inbox: a line per queue, then the work itself, late first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxView {
    pub now_ms: i64,
    pub lines: Vec<QueueLine>,
    pub items: Vec<WorkItem>,
    /// How much more waits than is listed.
    pub more: usize,
}
