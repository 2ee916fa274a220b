//! The demo city's year of study, made through the real services.
