//! Directory sync: each workspace's channels (public, and the private ones the token can see)
//! and users, listed page by page with `conversations.list` / `users.list` and upserted into
//! the cache. The client's pacing keeps it inside Slack's rate limits; each page is written in
//! its own short transaction, so the console stays responsive; progress is reported after every
//! page; cancelling stops at once and keeps what was written (a cancelled sync marks nothing
//! vanished — only a complete one can know what is gone).

use std::sync::Mutex;

use switchboard_slack::api::conversations::{ConversationsPage, ListConversations};
use switchboard_slack::api::users::{ListUsers, UsersPage};
use switchboard_slack::paginate::{CursorPage, CursorRequest, Pages};
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

/// Runs `f` in one short transaction; the lock is held only for it.
fn write<T>(
    store: &Mutex<Store>,
    f: impl FnOnce(&switchboard_store::rusqlite::Transaction<'_>) -> switchboard_store::Result<T>,
) -> Result<T> {
    let mut store = lock(store);
    let tx = store.conn_mut().transaction()?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// Hands every page to `on_page` until the last one; `false` when cancelled first.
async fn read_pages<R: CursorRequest, P: CursorPage>(
    mut pages: Pages<R, P>,
    cancel: &CancellationToken,
    mut on_page: impl FnMut(P) -> Result<()>,
) -> Result<bool> {
    loop {
        let page = tokio::select! {
            () = cancel.cancelled() => return Ok(false),
            page = pages.next_page() => page,
        };
        match page {
            None => return Ok(true),
            Some(page) => on_page(page?.into_inner())?,
        }
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

    let channels = client.conversations_list_pages(
        token,
        ListConversations {
            types: "public_channel,private_channel".to_owned(),
            exclude_archived: false,
            limit: PAGE_SIZE,
            cursor: None,
        },
    );
    let complete = read_pages(channels, cancel, |page: ConversationsPage| {
        let rows: Vec<directory::Channel> =
            page.channels.into_iter().filter_map(channel_row).collect();
        write(store, |tx| {
            directory::upsert_channels(tx, team_id, &rows, started)
        })?;
        state.channels += rows.len() as u64;
        state.pages += 1;
        progress(&state);
        Ok(())
    })
    .await?;
    if !complete {
        return Ok(None);
    }

    state.phase = Phase::Users;
    progress(&state);
    let users = client.users_list_pages(
        token,
        ListUsers {
            limit: PAGE_SIZE,
            cursor: None,
        },
    );
    let complete = read_pages(users, cancel, |page: UsersPage| {
        let rows: Vec<directory::User> = page.members.into_iter().map(user_row).collect();
        write(store, |tx| {
            directory::upsert_users(tx, team_id, &rows, started)
        })?;
        state.users += rows.len() as u64;
        state.pages += 1;
        progress(&state);
        Ok(())
    })
    .await?;
    if !complete {
        return Ok(None);
    }

    if cancel.is_cancelled() {
        return Ok(None);
    }
    let finished_at = now();
    let vanished = write(store, |tx| {
        directory::finish_sync(tx, team_id, started, finished_at)
    })?;
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

/// The channel picker's in-memory index of one workspace's live channels, sorted by name.
/// Loading it reads the cache once (about 100 ms for 100,000 channels); a search then filters
/// names in Rust in a few milliseconds, and the matches of the last search are kept so that
/// scrolling deep into them costs only the window. Rebuild it after a sync.
#[derive(Debug)]
pub struct ChannelIndex {
    channels: Vec<directory::Channel>,
    /// Lower-cased names, parallel to `channels`.
    names: Vec<String>,
    last: Mutex<Option<LastSearch>>,
}

/// The last search's query, archived toggle and matching positions.
type LastSearch = (String, bool, std::sync::Arc<Vec<u32>>);

impl ChannelIndex {
    /// Reads every live channel of `team_id` from the cache.
    pub fn load(
        conn: &switchboard_store::rusqlite::Connection,
        team_id: &str,
    ) -> Result<ChannelIndex> {
        let all = directory::search_channels(conn, team_id, "", true, 0, u64::MAX >> 1)?;
        let names = all.rows.iter().map(|c| c.name.to_lowercase()).collect();
        Ok(ChannelIndex {
            channels: all.rows,
            names,
            last: Mutex::new(None),
        })
    }

    /// Drops the remembered matches, so the next search filters again (benchmarks use it to
    /// time a new search).
    pub fn forget_matches(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn len(&self) -> usize {
        self.channels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    fn matches(&self, query: &str, include_archived: bool) -> std::sync::Arc<Vec<u32>> {
        let needle = query.trim().trim_start_matches('#').to_lowercase();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((q, archived, hits)) = last.as_ref()
            && *q == needle
            && *archived == include_archived
        {
            return hits.clone();
        }
        let hits: Vec<u32> = self
            .names
            .iter()
            .enumerate()
            .filter(|(i, name)| {
                (include_archived || !self.channels[*i].is_archived)
                    && (needle.is_empty() || name.contains(&needle))
            })
            .map(|(i, _)| i as u32)
            .collect();
        let hits = std::sync::Arc::new(hits);
        *last = Some((needle, include_archived, hits.clone()));
        hits
    }

    /// Channels whose name contains `query` (case-insensitive, a leading `#` ignored), by name,
    /// `limit` from `offset`, with the number of matches.
    pub fn search(
        &self,
        query: &str,
        include_archived: bool,
        offset: u64,
        limit: u64,
    ) -> directory::Window<directory::Channel> {
        let hits = self.matches(query, include_archived);
        let start = (offset as usize).min(hits.len());
        let end = start.saturating_add(limit as usize).min(hits.len());
        directory::Window {
            total: hits.len() as u64,
            offset,
            rows: hits[start..end]
                .iter()
                .map(|&i| self.channels[i as usize].clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_store::directory::{Channel, upsert_channels};

    #[test]
    fn the_index_answers_like_the_cache_does() {
        let store = Store::open_in_memory().unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at) VALUES ('T1', 'A', 'a', 0, 0)",
                [],
            )
            .unwrap();
        let channels: Vec<Channel> = (0..500)
            .map(|i| Channel {
                channel_id: format!("C{i:04}"),
                name: format!("team-{i:03}"),
                is_private: i % 7 == 0,
                is_archived: i % 11 == 0,
                is_member: true,
                member_count: None,
                topic: None,
            })
            .collect();
        upsert_channels(store.conn(), "T1", &channels, 1).unwrap();
        let index = ChannelIndex::load(store.conn(), "T1").unwrap();
        assert_eq!(index.len(), 500);
        for (query, archived, offset) in [
            ("", false, 0),
            ("#TEAM-1", false, 20),
            ("3", true, 5),
            ("none", false, 0),
        ] {
            let sql = directory::search_channels(store.conn(), "T1", query, archived, offset, 30)
                .unwrap();
            let fast = index.search(query, archived, offset, 30);
            assert_eq!(sql, fast, "{query} {archived} {offset}");
        }
    }
}
