//! The Tailwind class strings pages share, so a change of look is made
//! once. Tailwind scans `src/` for class names, so every class used here
//! must appear whole in some source file, as these do.
//!
//! Tables come in three looks (see `table::TableLook`) whose paddings
//! differ; their cell classes carry the look in their names.

/// A white panel with a hairline border.
pub const CARD: &str = "min-w-0 rounded-lg border border-slate-200 bg-white p-5";

/// A full-width text input, select or textarea under its label.
pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2";

/// The main action of a form, in the brand's colour.
pub const BUTTON: &str = "rounded-md bg-brand px-4 py-2 text-sm font-semibold text-white hover:opacity-90";

/// A small outlined button or link for actions beside the main one.
pub const QUIET: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50";

/// Like `QUIET`, with bold text: a second choice next to `BUTTON`.
pub const SECONDARY: &str =
    "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-semibold text-slate-800 hover:bg-slate-100";

/// An outlined button for destructive actions.
pub const DANGER: &str = "rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-800 hover:bg-red-50";

/// The button that carries out a destructive action once it is confirmed
/// (`confirm::Confirm`).
pub const DANGER_SOLID: &str = "rounded-md bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800";

/// The message under a field that failed validation.
pub const FIELD_ERROR: &str = "mt-1 text-sm text-red-700";

/// Header and body cells of ruled tables (lines under each row).
pub const TH_RULED: &str = "px-2 py-2 text-left font-semibold";
pub const TD_RULED: &str = "px-2 py-2 align-top";

/// Header and body cells of tables with a shaded header row.
pub const TH_SHADED: &str = "px-3 py-2 font-medium";
pub const TD_SHADED: &str = "px-3 py-2 align-top";
/// Figures and months that read badly when wrapped.
pub const TD_SHADED_NOWRAP: &str = "whitespace-nowrap px-3 py-2";
/// Amounts: right-aligned in figures of one width, so a column of them
/// lines up by its decimal point. Their header is `Head::figure`.
pub const TD_SHADED_MONEY: &str = "whitespace-nowrap px-3 py-2 text-right tabular-nums";

/// Header and body cells of boxed tables (staff lists and overviews).
pub const TH_BOXED: &str = "px-4 py-2 font-medium";
pub const TD_BOXED: &str = "px-4 py-2";
pub const TD_BOXED_NOWRAP: &str = "whitespace-nowrap px-4 py-2";
/// A table column left out on phones (`Head::wide_only`), where its row
/// says the same in a line of its own.
pub const WIDE_ONLY: &str = "hidden sm:table-cell";
/// Shown on phones only, in place of `WIDE_ONLY` columns.
pub const NARROW_ONLY: &str = "sm:hidden";
/// A boxed cell holding a figure, aligned with its header (`Head::figure`).
pub const TD_BOXED_FIGURE: &str = "whitespace-nowrap px-4 py-2 text-right tabular-nums";
