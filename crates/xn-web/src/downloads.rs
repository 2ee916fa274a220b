//! Files that leave the system (GB/T 22239-2019 8.1.4.3, audit): every answer a
//! signed-in person downloads, a stored file (附件, scan, printed PDF, picture, material) or an
//! exported list (xlsx), is recorded as an event (`files.downloaded`, `files.exported`), so the
//! auditor's page can name whoever takes many in a day. One middleware does it for every route:
//! the actor extractors leave who is acting in a slot the middleware put in the request, and
//! the middleware records an answer that carries a file (`Content-Disposition`). An answer
//! whose record cannot be written is not given: the file does not leave unrecorded.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use xn_service::Actor;
use xn_service::events::Download;

use crate::AppState;
use crate::error::{ApiError, PageError};

/// Where the actor extractors leave who is acting, for [`record_downloads`].
#[derive(Clone, Default)]
pub struct Acting(Arc<Mutex<Option<Actor>>>);

impl Acting {
    /// Notes the actor of this request.
    pub fn set(&self, actor: &Actor) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(actor.clone());
        }
    }

    fn take(&self) -> Option<Actor> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Notes the actor of a request in its [`Acting`] slot, if the middleware put one there.
pub fn note_actor(extensions: &axum::http::Extensions, actor: &Actor) {
    if let Some(slot) = extensions.get::<Acting>() {
        slot.set(actor);
    }
}

/// The middleware: records each file a signed-in person takes away.
pub async fn record_downloads(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = Acting::default();
    req.extensions_mut().insert(slot.clone());
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    if !res.status().is_success() || !res.headers().contains_key(header::CONTENT_DISPOSITION) {
        return res;
    }
    let Some(actor) = slot.take() else {
        return res;
    };
    let export = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("spreadsheetml") || t.starts_with("text/csv"));
    let bytes = axum::body::HttpBody::size_hint(res.body())
        .exact()
        .unwrap_or(0);
    let d = Download {
        export,
        path: &path,
        bytes,
    };
    match state
        .services
        .record_download(&actor, &d, state.clock.now())
        .await
    {
        Ok(()) => res,
        // Answered as the route's kind answers: problem+json on the API, a page elsewhere.
        Err(e) if path.starts_with("/api/") => ApiError(e).into_response(),
        Err(e) => PageError(e).into_response(),
    }
}
