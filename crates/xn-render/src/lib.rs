//! What xiaoneng hands to people as files.
//!
//! Today: spreadsheets (xlsx), for every list's export and for import templates. The GB/T 9704
//! PDF layout and iCalendar feeds join this crate when the documents and meetings areas land.
//! Nothing here touches the database: callers pass the rows.

pub mod xlsx;
