//! Cursor pagination: [`Pages`] asks for one page after another, passing the previous page's
//! `response_metadata.next_cursor`, and stops when Slack sends an empty one. A failed page can
//! be asked for again: the cursor only moves on success.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Response, SlackClient};
use crate::error::Result;
use crate::method::Method;
use crate::token::Token;

/// A request that takes a cursor.
pub trait CursorRequest: Serialize + Clone {
    fn set_cursor(&mut self, cursor: Option<String>);
}

/// A page that names the next cursor.
pub trait CursorPage: DeserializeOwned {
    fn next_cursor(&self) -> Option<&str>;
}

/// The pages of one listing, fetched on demand.
#[derive(Debug)]
pub struct Pages<R, P> {
    client: SlackClient,
    token: Token,
    method: Method,
    request: R,
    done: bool,
    pages: u32,
    _page: PhantomData<fn() -> P>,
}

impl<R: CursorRequest, P: CursorPage> Pages<R, P> {
    pub(crate) fn new(client: &SlackClient, token: &Token, method: Method, request: R) -> Self {
        Pages {
            client: client.clone(),
            token: token.clone(),
            method,
            request,
            done: false,
            pages: 0,
            _page: PhantomData,
        }
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Option<Result<Response<P>>> {
        if self.done {
            return None;
        }
        let result = self
            .client
            .call::<R, P>(&self.method, &self.token, &self.request)
            .await;
        if let Ok(page) = &result {
            self.pages += 1;
            match page.next_cursor().filter(|c| !c.is_empty()) {
                Some(cursor) => self.request.set_cursor(Some(cursor.to_owned())),
                None => self.done = true,
            }
        }
        Some(result)
    }

    /// How many pages have been fetched so far.
    pub fn pages_fetched(&self) -> u32 {
        self.pages
    }
}
