//! Directory sync: each workspace's channels (public, and the private ones the token can see)
//! and users, listed with `conversations.list` / `users.list` and upserted into the cache.
//!
//! The two lists are paged **concurrently**, each paced by the client on its own method's
//! limit (Slack's tier 2 applies per method), and each page is **written while the next is
//! fetched**: fetchers hand pages to one writer over a channel, and the writer writes each in
//! its own short transaction on the blocking pool. With each page the transaction also records
//! the list's next cursor, so an interrupted sync (quit, crash, network loss) **resumes** from
//! there instead of starting over. Progress is reported after every page; the channel picker
//! searches what has arrived (its index is dropped after each channel page); cancelling stops
//! at once and keeps what was written. Only a complete sync marks rows vanished.
//!
//! [`sync_workspace`] is the user action (a fresh token, cancel handle, audit entry, events);
//! [`sync_all`] does every connected workspace and reports each.

use std::sync::{Arc, Mutex};

use switchboard_slack::api::conversations::ListConversations;
use switchboard_slack::api::users::ListUsers;
use switchboard_slack::paginate::CursorPage;
use switchboard_slack::{SlackClient, Token, types};
use switchboard_store::directory::{self, List, SyncState};
use switchboard_store::{Db, audit};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::events::Event;
use crate::profile::{Profile, lock};
use crate::{Error, Result};

/// Which list a sync is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Both lists (or the channels) are still being read.
    Channels,
    /// The channels are done; users are still being read.
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
    /// The sync continued one that was interrupted.
    pub resumed: bool,
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
    pub resumed: bool,
}

/// Page size: Slack's maximum, so a 100,000-channel workspace takes 100 requests.
const PAGE_SIZE: u32 = 1000;

/// Pages in flight between the fetchers and the writer, and the most one transaction writes.
const PIPELINE_DEPTH: usize = 4;

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

pub(crate) fn user_row(u: types::User) -> directory::User {
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

/// A fetched page on its way to the writer.
enum Batch {
    Channels(Vec<directory::Channel>, Option<String>),
    Users(Vec<directory::User>, Option<String>),
}

/// Runs `f` in one write transaction on the blocking pool, so the async side goes on fetching.
async fn write_blocking<T: Send + 'static>(
    db: &Arc<Db>,
    f: impl FnOnce(&switchboard_store::rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
) -> Result<T> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || db.write(f))
        .await
        .map_err(|e| Error::StorageUnavailable(format!("a database write failed: {e}")))?
}

/// Fetches one list from `cursor` (`None`: the first page) and hands each page on. Returns
/// `false` when cancelled. A resumed cursor Slack no longer accepts restarts the list.
async fn fetch<R, P>(
    mut start: impl FnMut(Option<String>) -> switchboard_slack::paginate::Pages<R, P>,
    cursor: Option<String>,
    cancel: &CancellationToken,
    mut to_batch: impl FnMut(P, Option<String>) -> Batch,
    out: &mpsc::Sender<Batch>,
) -> Result<bool>
where
    R: switchboard_slack::paginate::CursorRequest,
    P: CursorPage,
{
    let resumed = cursor.is_some();
    let mut pages = start(cursor);
    let mut first = true;
    loop {
        let page = tokio::select! {
            () = cancel.cancelled() => return Ok(false),
            page = pages.next_page() => page,
        };
        match page {
            None => return Ok(true),
            Some(Err(error)) if first && resumed && error.code() == Some("invalid_cursor") => {
                tracing::info!("the saved cursor expired; this list starts over");
                pages = start(None);
                first = false;
            }
            Some(Err(error)) => return Err(error.into()),
            Some(Ok(page)) => {
                first = false;
                let page = page.into_inner();
                let next = page
                    .next_cursor()
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned);
                if out.send(to_batch(page, next)).await.is_err() {
                    return Ok(false);
                }
            }
        }
    }
}

/// Syncs one workspace's directory with `token`, reporting progress after every page,
/// resuming an interrupted sync of the same workspace. Returns `Ok(None)` when cancelled.
pub async fn sync(
    client: &SlackClient,
    token: &Token,
    team_id: &str,
    db: &Arc<Db>,
    cancel: &CancellationToken,
    now: impl Fn() -> i64,
    mut progress: impl FnMut(&Progress),
) -> Result<Option<Summary>> {
    let team = team_id.to_owned();
    let began = now();
    let saved: SyncState = write_blocking(db, move |tx| {
        if let Some(saved) = directory::sync_state(tx, &team)? {
            return Ok(saved);
        }
        directory::begin_sync(tx, &team, began)?;
        Ok(SyncState {
            started_at: began,
            ..SyncState::default()
        })
    })
    .await?;
    let resumed = saved.started_at != began;
    let started = saved.started_at;
    let mut state = Progress {
        team_id: team_id.to_owned(),
        phase: if saved.channels_done {
            Phase::Users
        } else {
            Phase::Channels
        },
        channels: saved.channels,
        users: saved.users,
        pages: saved.pages,
        resumed,
    };
    progress(&state);

    let (channels_out, mut pages) = mpsc::channel::<Batch>(PIPELINE_DEPTH);
    let users_out = channels_out.clone();
    let (channels_cursor, users_cursor) =
        (saved.channels_cursor.clone(), saved.users_cursor.clone());
    let (channels_were_done, users_were_done) = (saved.channels_done, saved.users_done);
    // Each fetcher owns its sender, so the writer's channel closes when both are done.
    let channels = async move {
        if channels_were_done {
            return Ok(true);
        }
        fetch(
            |cursor| {
                client.conversations_list_pages(
                    token,
                    ListConversations {
                        types: "public_channel,private_channel".to_owned(),
                        exclude_archived: false,
                        limit: PAGE_SIZE,
                        cursor,
                    },
                )
            },
            channels_cursor,
            cancel,
            |page: switchboard_slack::api::conversations::ConversationsPage, next| {
                Batch::Channels(
                    page.channels.into_iter().filter_map(channel_row).collect(),
                    next,
                )
            },
            &channels_out,
        )
        .await
    };
    let users = async move {
        if users_were_done {
            return Ok(true);
        }
        fetch(
            |cursor| {
                client.users_list_pages(
                    token,
                    ListUsers {
                        limit: PAGE_SIZE,
                        cursor,
                    },
                )
            },
            users_cursor,
            cancel,
            |page: switchboard_slack::api::users::UsersPage, next| {
                Batch::Users(page.members.into_iter().map(user_row).collect(), next)
            },
            &users_out,
        )
        .await
    };
    let mut channels_done = saved.channels_done;
    let mut writing = std::time::Duration::ZERO;
    let writer = async {
        let mut waiting = Vec::with_capacity(PIPELINE_DEPTH);
        while pages.recv_many(&mut waiting, PIPELINE_DEPTH).await > 0 {
            let write_started = std::time::Instant::now();
            let team = team_id.to_owned();
            let at = now();
            // Every page already waiting goes into one transaction (each with its cursor), so a
            // writer that falls behind commits, and rewrites the B-trees' edges, less often.
            let batches = std::mem::take(&mut waiting);
            let written = write_blocking(db, move |tx| {
                let mut written = Vec::with_capacity(batches.len());
                for batch in batches {
                    let (list, rows, next) = match batch {
                        Batch::Channels(rows, next) => {
                            directory::upsert_channels(tx, &team, &rows, started)?;
                            (List::Channels, rows.len() as u64, next)
                        }
                        Batch::Users(rows, next) => {
                            directory::upsert_users(tx, &team, &rows, started)?;
                            (List::Users, rows.len() as u64, next)
                        }
                    };
                    directory::record_page(tx, &team, list, next.as_deref(), rows, at)?;
                    written.push((list, rows, next.is_none()));
                }
                Ok(written)
            })
            .await?;
            writing += write_started.elapsed();
            for (list, rows, done) in written {
                match list {
                    List::Channels => {
                        state.channels += rows;
                        channels_done |= done;
                    }
                    List::Users => state.users += rows,
                }
                state.pages += 1;
            }
            state.phase = if channels_done {
                Phase::Users
            } else {
                Phase::Channels
            };
            progress(&state);
        }
        Ok::<_, Error>(())
    };
    let (channels_complete, users_complete, ()) = tokio::try_join!(channels, users, writer)?;
    tracing::debug!(
        team = %team_id,
        pages = state.pages,
        writing_ms = writing.as_millis() as u64,
        "directory pages written"
    );
    if !channels_complete || !users_complete || cancel.is_cancelled() {
        return Ok(None);
    }
    let finished_at = now();
    let team = team_id.to_owned();
    let vanished = write_blocking(db, move |tx| {
        Ok(directory::finish_sync(tx, &team, started, finished_at)?)
    })
    .await?;
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
        resumed,
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
                "{} channels, {} users ({} channels and {} users gone since the last sync){}",
                summary.channels,
                summary.users,
                summary.vanished_channels,
                summary.vanished_users,
                if summary.resumed {
                    "; resumed an interrupted sync"
                } else {
                    ""
                }
            )),
        },
    )?;
    Ok(())
}

/// How a sync of one workspace ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Complete(Summary),
    /// Cancelled (or the profile shut down) at `progress`; what was written stays, and the next
    /// sync resumes from there.
    Cancelled(Progress),
}

/// Syncs the directory of `team_id`: the user action behind *Sync now* and
/// `switchboard workspace sync TEAM`. Takes a fresh token, can be cancelled with
/// [`cancel_sync`], audits a complete sync, and announces progress as events (and to
/// `on_progress`).
pub async fn sync_workspace(
    profile: &Profile,
    team_id: &str,
    mut on_progress: impl FnMut(&Progress),
) -> Result<SyncOutcome> {
    let (token, _) = crate::tokens::fresh_token(profile, team_id).await?;
    let db = profile.shared_db()?;
    let cancel = profile.lifetime.child_token();
    if let Some(previous) = lock(&profile.syncs).insert(team_id.to_owned(), cancel.clone()) {
        previous.cancel();
    }
    let mut last = None;
    let result = profile
        .track(sync(
            profile.slack()?,
            &token,
            team_id,
            &db,
            &cancel,
            switchboard_store::now_ms,
            |p| {
                if p.pages > last.as_ref().map_or(0, |l: &Progress| l.pages)
                    && p.channels > last.as_ref().map_or(0, |l: &Progress| l.channels)
                {
                    forget_index(profile, team_id);
                }
                last = Some(p.clone());
                on_progress(p);
                profile.emit(Event::SyncProgress(p.clone()));
            },
        ))
        .await;
    {
        let mut syncs = lock(&profile.syncs);
        if syncs
            .get(team_id)
            .is_some_and(|c| c.is_cancelled() || !cancel.is_cancelled())
        {
            syncs.remove(team_id);
        }
    }
    forget_index(profile, team_id);
    profile.emit(Event::WorkspaceChanged {
        team_id: team_id.to_owned(),
    });
    let result = match result {
        Err(error)
            if error.slack_code().is_some_and(|c| {
                matches!(
                    c,
                    "invalid_auth" | "token_revoked" | "account_inactive" | "token_expired"
                )
            }) =>
        {
            // The token died during the sync: record it, so the card says so.
            let _ = crate::health::check(profile, team_id).await;
            Err(error)
        }
        other => other,
    };
    match result? {
        Some(summary) => {
            let actor = profile.actor.clone();
            let logged = summary.clone();
            profile
                .db()?
                .write(move |tx| audit_sync(tx, &logged, &actor))?;
            Ok(SyncOutcome::Complete(summary))
        }
        None => Ok(SyncOutcome::Cancelled(last.unwrap_or(Progress {
            team_id: team_id.to_owned(),
            phase: Phase::Channels,
            channels: 0,
            users: 0,
            pages: 0,
            resumed: false,
        }))),
    }
}

/// One workspace's result in [`sync_all`].
#[derive(Debug)]
pub struct WorkspaceSync {
    pub team_id: String,
    pub name: String,
    pub result: Result<SyncOutcome>,
}

/// Syncs every connected workspace, one after another; a failure does not stop the others.
pub async fn sync_all(
    profile: &Profile,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Vec<WorkspaceSync>> {
    let list = crate::workspaces::list(profile)?;
    let mut results = Vec::new();
    for ws in list
        .into_iter()
        .filter(|w| w.status != switchboard_store::workspaces::Status::Disabled)
    {
        if profile.is_shutting_down() {
            break;
        }
        let result = sync_workspace(profile, &ws.team_id, &mut on_progress).await;
        results.push(WorkspaceSync {
            team_id: ws.team_id,
            name: ws.name,
            result,
        });
    }
    Ok(results)
}

/// Stops a running directory sync; what it wrote so far stays, and the next sync resumes.
pub fn cancel_sync(profile: &Profile, team_id: &str) {
    if let Some(cancel) = lock(&profile.syncs).remove(team_id) {
        cancel.cancel();
    }
}

/// Forgets the picker's index of `team_id` and its time zone (its cache changed).
pub fn forget_index(profile: &Profile, team_id: &str) {
    lock(&profile.channel_indexes).remove(team_id);
    lock(&profile.time_zones).remove(team_id);
}

/// The picker's index of `team_id`, built from the cache when missing.
pub fn channel_index(profile: &Profile, team_id: &str) -> Result<Arc<ChannelIndex>> {
    if let Some(index) = lock(&profile.channel_indexes).get(team_id) {
        return Ok(index.clone());
    }
    let index = Arc::new(
        profile
            .db()?
            .read(|conn| ChannelIndex::load(conn, team_id))?,
    );
    lock(&profile.channel_indexes).insert(team_id.to_owned(), index.clone());
    Ok(index)
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
type LastSearch = (String, bool, Arc<Vec<u32>>);

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

    fn matches(&self, query: &str, include_archived: bool) -> Arc<Vec<u32>> {
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
        let hits = Arc::new(hits);
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

    use switchboard_store::Store;

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
