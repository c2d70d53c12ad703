//! `users.list`, `users.info`, `users.lookupByEmail`.

use serde::{Deserialize, Serialize};

use crate::client::{Response, SlackClient};
use crate::error::Result;
use crate::ids::UserId;
use crate::method;
use crate::paginate::{CursorPage, CursorRequest, Pages};
use crate::token::Token;
use crate::types::{ResponseMetadata, User};

/// Arguments of `users.list`.
#[derive(Debug, Clone, Serialize)]
pub struct ListUsers {
    /// Page size, at most 1000; Slack may refuse large workspaces without one.
    pub limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Default for ListUsers {
    fn default() -> Self {
        ListUsers {
            limit: 200,
            cursor: None,
        }
    }
}

impl CursorRequest for ListUsers {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct UsersPage {
    pub members: Vec<User>,
    #[serde(default)]
    pub response_metadata: ResponseMetadata,
}

impl CursorPage for UsersPage {
    fn next_cursor(&self) -> Option<&str> {
        Some(&self.response_metadata.next_cursor)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserInfo {
    pub user: User,
}

#[derive(Serialize)]
struct UserArg<'a> {
    user: &'a UserId,
}

#[derive(Serialize)]
struct EmailArg<'a> {
    email: &'a str,
}

impl SlackClient {
    /// One page of the workspace's users. <https://docs.slack.dev/reference/methods/users.list>
    pub async fn users_list(
        &self,
        token: &Token,
        request: &ListUsers,
    ) -> Result<Response<UsersPage>> {
        self.call(&method::USERS_LIST, token, request).await
    }

    /// Every page of users, one at a time.
    pub fn users_list_pages(
        &self,
        token: &Token,
        request: ListUsers,
    ) -> Pages<ListUsers, UsersPage> {
        Pages::new(self, token, method::USERS_LIST, request)
    }

    /// <https://docs.slack.dev/reference/methods/users.info>
    pub async fn users_info(&self, token: &Token, user: &UserId) -> Result<Response<UserInfo>> {
        self.call(&method::USERS_INFO, token, &UserArg { user })
            .await
    }

    /// Finds a user by email (scope `users:read.email`); `users_not_found` when nobody has it.
    /// <https://docs.slack.dev/reference/methods/users.lookupByEmail>
    pub async fn users_lookup_by_email(
        &self,
        token: &Token,
        email: &str,
    ) -> Result<Response<UserInfo>> {
        self.call(&method::USERS_LOOKUP_BY_EMAIL, token, &EmailArg { email })
            .await
    }
}
