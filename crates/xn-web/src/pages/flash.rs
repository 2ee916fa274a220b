//! One-time notices carried across a redirect (切换身份 says what changed on the page it lands
//! on). The notice travels as a short code in a cookie, never as text: the page that shows it
//! words it from what it knows (the acting post), and the cookie is cleared by the first page
//! shown.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::AppState;

/// The cookie holding a notice's code.
pub const FLASH_COOKIE: &str = "xn_flash";

/// The notices there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    /// The post was switched and the page kept.
    Switched,
    /// The post was switched; the new post may not see the page it was on.
    SwitchedHome,
}

impl Flash {
    fn code(self) -> &'static str {
        match self {
            Flash::Switched => "switched",
            Flash::SwitchedHome => "switched-home",
        }
    }

    fn from_code(code: &str) -> Option<Flash> {
        match code {
            "switched" => Some(Flash::Switched),
            "switched-home" => Some(Flash::SwitchedHome),
            _ => None,
        }
    }

    /// The notice in words, for a person acting as `post`.
    pub fn text(self, post: &str) -> String {
        match self {
            Flash::Switched => format!("已切换为{post}。"),
            Flash::SwitchedHome => {
                format!("已切换为{post}。新身份不能查看原来的页面，已回到工作台。")
            }
        }
    }

    /// The cookie that carries this notice to the next page.
    pub fn cookie(self, state: &AppState) -> Cookie<'static> {
        Cookie::build((FLASH_COOKIE, self.code()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(state.secure_cookies)
            .build()
    }
}

tokio::task_local! {
    static FLASH: Flash;
}

/// The notice the page being rendered carries, if any.
pub fn current() -> Option<Flash> {
    FLASH.try_with(|f| *f).ok()
}

/// Runs a page request with its notice (if its cookie carries one) and clears the cookie once a
/// page has been shown (an error page included: a notice is not carried any further).
pub async fn layer(req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let Some(flash) = jar
        .get(FLASH_COOKIE)
        .and_then(|c| Flash::from_code(c.value()))
    else {
        return next.run(req).await;
    };
    let mut res = FLASH.scope(flash, next.run(req)).await;
    let shown = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if shown {
        res.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("xn_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    res
}
