//! Paging of lists, checked where a list is read: a page counts from 1, a page size lies within
//! the list's bound, and no page starts past [`MAX_ROWS`] rows. Out of range is a clear refusal
//! naming the range, never an overflowed offset, a silently different page or a clamped size.

use crate::{Result, ServiceError};

/// The most rows any list pages through (a page starting past them is refused).
pub const MAX_ROWS: i64 = 10_000_000;

/// A checked page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page, from 1.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

impl Paging {
    /// Page `page` of `per_page` rows, `per_page` at most `max_per_page`.
    pub fn new(page: i64, per_page: i64, max_per_page: i64) -> Result<Paging> {
        if !(1..=max_per_page).contains(&per_page) {
            return Err(ServiceError::invalid(
                "per_page",
                format!("每页条数须为 1 到 {max_per_page} 之间的整数"),
            ));
        }
        let last = MAX_ROWS / per_page + 1;
        if !(1..=last).contains(&page) {
            return Err(ServiceError::invalid(
                "page",
                format!("页码须为 1 到 {last} 之间的整数"),
            ));
        }
        Ok(Paging { page, per_page })
    }

    /// The rows before this page.
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_in_range_and_out() {
        let p = Paging::new(3, 50, 200).unwrap_or(Paging {
            page: 0,
            per_page: 0,
        });
        assert_eq!(p.offset(), 100);
        assert!(Paging::new(0, 50, 200).is_err());
        assert!(Paging::new(-1, 50, 200).is_err());
        assert!(Paging::new(i64::MAX, 50, 200).is_err());
        assert!(Paging::new(1, 0, 200).is_err());
        assert!(Paging::new(1, 201, 200).is_err());
        assert!(Paging::new(MAX_ROWS / 200 + 1, 200, 200).is_ok());
        assert!(Paging::new(MAX_ROWS / 200 + 2, 200, 200).is_err());
        assert!(Paging::new(MAX_ROWS + 1, 1, 200).is_ok());
    }
}
