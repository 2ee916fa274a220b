//! The demo's complaints, made through the area's use cases.
