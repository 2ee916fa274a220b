//! What xiaoneng hands to people as files.
//!
//! - [`chart`]: small SVG charts for pages (trends, small multiples).
//! - [`xlsx`]: spreadsheets, for every list's export and for import templates.
//! - [`gbt9704`]: official documents as PDF laid out by GB/T 9704-2012, the conformance checker
//!   that measures such a PDF, and the processing sheets (发文稿纸, 收文处理笺).
//! - [`ical`]: meetings as iCalendar (RFC 5545), one `.ics` per meeting and a person's feed.
//!
//! Nothing here touches the database: callers pass plain values.

pub mod chart;
pub mod gbt9704;
pub mod ical;
pub mod xlsx;
