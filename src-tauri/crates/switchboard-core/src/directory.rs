//! Directory sync: each workspace's channels (public, and the private ones the token can see)
//! and users, listed page by page with `conversations.list` / `users.list` and upserted into
//! the cache. The client's pacing keeps it inside Slack's rate limits; each page is written in
//! its own short transaction, so the console stays responsive; progress is reported after every
//! page; cancelling stops at once and keeps what was written (a cancelled sync marks nothing
//! vanished — only a complete one can know what is gone).

use std::sync::Mutex;

use switchboard_slack::api::conversations::ListConversations;
use switchboard_slack::api::users::ListUsers;
use switchboard_slack::{SlackClient, Token, types};
use switchboard_store::{Store, audit, directory};
use tokio_util::sync::CancellationToken;

use crate::Result;

/// Which list a sync is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Channels,
    Users,
    Done,
}

/// Where a sync is, after each page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub team_id: String,
    pub phase: Phase,
    pub channels: u64,
    pub users: u64,
    pub pages: u32,
}

/// What a complete sync found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub team_id: String,
    pub channels: u64,
    pub users: u64,
    pub pages: u32,
    pub vanished_channels: u64,
    pub vanished_users: u64,
    pub finished_at: i64,
}

/// Page size: Slack's maximum, so a 100,000-channel workspace takes 100 requests (at Tier 2,
/// 20 a minute, that is five minutes against real Slack).
const PAGE_SIZE: u32 = 1000;

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn channel_row(c: types::Conversation) -> Option<directory::Channel> {
    // DMs have no name and are not channels anyone picks.
    let name = c.name?;
    Some(directory::Channel {
        channel_id: c.id.to_string(),
        name,
        is_private: c.is_private || c.is_group,
        is_archived: c.is_archived,
        is_member: c.is_member,
        member_count: c.num_members,
        topic: c.topic.map(|t| t.value).filter(|t| !t.is_empty()),
    })
}

fn user_row(u: types::User) -> directory::User {
    let profile = u.profile;
    directory::User {
        user_id: u.id.to_string(),
        name: u.name,
        real_name: u.real_name.or(profile.real_name),
        display_name: profile.display_name.filter(|d| !d.is_empty()),
        email: profile.email,
        is_deleted: u.deleted,
        is_bot: u.is_bot || u.id.as_str() == "USLACKBOT",
        tz: u.tz,
        avatar_url: profile.image_72,
    }
}

/// Syncs one workspace's directory with `token`, reporting progress after every page.
/// Returns `Ok(None)` when cancelled.
pub async fn sync(
    client: &SlackClient,
    token: &Token,
    team_id: &str,
    store: &Mutex<Store>,
    cancel: &CancellationToken,
    now: impl Fn() -> i64,
    mut progress: impl FnMut(&Progress),
) -> Result<Option<Summary>> {
    let started = now();
    let mut state = Progress {
        team_id: team_id.to_owned(),
        phase: Phase::Channels,
        channels: 0,
        users: 0,
        pages: 0,
    };
    progress(&state);

    let mut pages = client.conversations_list_pages(
        token,
        ListConversations {
            types: "public_channel,private_channel".to_owned(),
            exclude_archived: false,
            limit: PAGE_SIZE,
            cursor: None,
        },
    );
    loop {
        let page = tokio::select! {
            () = cancel.cancelled() => return Ok(None),
            page = pages.next_page() => page,
        };
        let Some(page) = page else { break };
        let rows: Vec<directory::Channel> = page?
            .into_inner()
            .channels
            .into_iter()
            .filter_map(channel_row)
            .collect();
        {
            let mut store = lock(store);
            let tx = store.conn_mut().transaction()?;
            directory::upsert_channels(&tx, team_id, &rows, started)?;
            tx.commit()?;
        }
        state.channels += rows.len() as u64;
        state.pages += 1;
        progress(&state);
    }

    state.phase = Phase::Users;
    progress(&state);
    let mut pages = client.users_list_pages(
        token,
        ListUsers {
            limit: PAGE_SIZE,
            cursor: None,
        },
    );
    loop {
        let page = tokio::select! {
            () = cancel.cancelled() => return Ok(None),
            page = pages.next_page() => page,
        };
        let Some(page) = page else { break };
        let rows: Vec<directory::User> = page?
            .into_inner()
            .members
            .into_iter()
            .map(user_row)
            .collect();
        {
            let mut store = lock(store);
            let tx = store.conn_mut().transaction()?;
            directory::upsert_users(&tx, team_id, &rows, started)?;
            tx.commit()?;
        }
        state.users += rows.len() as u64;
        state.pages += 1;
        progress(&state);
    }

    if cancel.is_cancelled() {
        return Ok(None);
    }
    let finished_at = now();
    let vanished = {
        let mut store = lock(store);
        let tx = store.conn_mut().transaction()?;
        let vanished = directory::finish_sync(&tx, team_id, started, finished_at)?;
        tx.commit()?;
        vanished
    };
    state.phase = Phase::Done;
    progress(&state);
    Ok(Some(Summary {
        team_id: team_id.to_owned(),
        channels: state.channels,
        users: state.users,
        pages: state.pages,
        vanished_channels: vanished.channels,
        vanished_users: vanished.users,
        finished_at,
    }))
}

/// Records a finished sync in the audit log (who started it, what it found).
pub fn audit_sync(
    conn: &switchboard_store::rusqlite::Connection,
    summary: &Summary,
    actor: &str,
) -> Result<()> {
    audit::record(
        conn,
        audit::NewAuditEntry {
            at: summary.finished_at,
            actor,
            action: "workspace.directory_synced",
            subject: &summary.team_id,
            old_value: None,
            new_value: Some(&format!(
                "{} channels, {} users ({} channels and {} users gone since the last sync)",
                summary.channels, summary.users, summary.vanished_channels, summary.vanished_users
            )),
        },
    )?;
    Ok(())
}
