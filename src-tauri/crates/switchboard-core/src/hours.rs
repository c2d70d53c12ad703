//! Working hours: whether a moment falls in a member's working period, and when the next one
//! starts. Direct messages that arrive outside them wait for the next start (unless urgent).
//!
//! A period runs from `start` to `end` (minutes after midnight, local time) on each day in
//! `days` (Monday = bit 0 … Sunday = bit 6). An `end` at or before `start` is a night shift that
//! ends the next morning. Times are in the member's time zone, across daylight-saving changes
//! (jiff resolves a start that falls in a gap to the moment after it).

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use switchboard_store::staff::Hours;

use crate::{Error, Result};

/// The weekday's bit in [`Hours::days`].
pub fn bit(day: Weekday) -> u8 {
    1 << (day.to_monday_zero_offset() as u8)
}

/// The time zone `name` (an IANA name), or UTC for an unknown one.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// Whether `hours` is a usable set: at least one day, minutes within a day.
pub fn check(hours: &Hours) -> Result<()> {
    if hours.days > 0x7f {
        return Err(Error::invalid(
            "hours.days",
            "Working days are a set of weekdays (Monday = 1 … Sunday = 64, at most 127 for all seven).",
        ));
    }
    if hours.days == 0 {
        return Err(Error::invalid(
            "hours.days",
            "Working hours need at least one working day.",
        ));
    }
    if hours.start >= 1440 {
        return Err(Error::invalid(
            "hours.start",
            "Working hours start at a time of day before 24:00 (00:00 to 23:59).",
        ));
    }
    if hours.end > 1440 {
        return Err(Error::invalid(
            "hours.end",
            "Working hours end at a time of day up to 24:00.",
        ));
    }
    if hours.start == hours.end {
        return Err(Error::invalid(
            "hours.end",
            "Working hours must end at another time than they start.",
        ));
    }
    if let Some(name) = &hours.time_zone
        && TimeZone::get(name).is_err()
    {
        return Err(Error::invalid(
            "hours.time_zone",
            format!(
                "{name:?} is not a time zone Switchboard knows: use an IANA name such as Europe/Berlin."
            ),
        ));
    }
    Ok(())
}

fn at(date: Date, minutes: u16, tz: &TimeZone) -> Option<Zoned> {
    let time = jiff::civil::time((minutes / 60).min(23) as i8, (minutes % 60) as i8, 0, 0);
    let datetime = if minutes >= 1440 {
        date.tomorrow()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight())
    } else {
        date.to_datetime(time)
    };
    datetime.to_zoned(tz.clone()).ok()
}

/// `None` when `now` (Unix ms) is within one of the working periods of `hours` in `tz`; else
/// when the next one starts (Unix ms).
pub fn next_start(hours: &Hours, tz: &TimeZone, now: i64) -> Option<i64> {
    let now_ts = Timestamp::from_millisecond(now).ok()?;
    let local = now_ts.to_zoned(tz.clone());
    let today = local.date();
    let works = |d: Date| hours.days & bit(d.weekday()) != 0;
    let overnight = hours.end <= hours.start;
    // Periods that may hold now: today's, and yesterday's when it runs past midnight.
    let mut candidates = vec![today];
    if overnight && let Ok(yesterday) = today.yesterday() {
        candidates.push(yesterday);
    }
    for day in candidates {
        if !works(day) {
            continue;
        }
        let (Some(start), Some(end)) = (
            at(day, hours.start, tz),
            at(
                if overnight { day.tomorrow().ok()? } else { day },
                hours.end,
                tz,
            ),
        ) else {
            continue;
        };
        if start.timestamp() <= now_ts && now_ts < end.timestamp() {
            return None;
        }
    }
    let mut day = today;
    for _ in 0..8 {
        if works(day)
            && let Some(start) = at(day, hours.start, tz)
            && start.timestamp() > now_ts
        {
            return Some(start.timestamp().as_millisecond());
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// "Mon–Fri 08:00–18:00" and the like, for lists.
pub fn describe(hours: &Hours) -> String {
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let days: Vec<usize> = (0..7).filter(|i| hours.days & (1 << i) != 0).collect();
    let runs = {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for d in days {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == d => *end = d,
                _ => runs.push((d, d)),
            }
        }
        runs
    };
    let days = if runs == [(0, 6)] {
        "Every day".to_owned()
    } else {
        runs.iter()
            .map(|&(a, b)| match b - a {
                0 => NAMES[a].to_owned(),
                1 => format!("{}, {}", NAMES[a], NAMES[b]),
                _ => format!("{}–{}", NAMES[a], NAMES[b]),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    format!("{days} {}–{}", hm(hours.start), hm(hours.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn inside_hours_sends_now_and_outside_waits_for_the_next_start() {
        let hours = Hours::default();
        let berlin = zone("Europe/Berlin");
        // Tue 24 Nov 2026, 10:00 in Berlin (09:00 UTC).
        assert_eq!(
            next_start(&hours, &berlin, ms("2026-11-24T09:00:00Z")),
            None
        );
        // 19:00 Berlin: tomorrow 08:00 Berlin = 07:00 UTC.
        assert_eq!(
            next_start(&hours, &berlin, ms("2026-11-24T18:00:00Z")),
            Some(ms("2026-11-25T07:00:00Z"))
        );
        // Friday 18:30 Berlin waits for Monday.
        assert_eq!(
            next_start(&hours, &berlin, ms("2026-11-27T17:30:00Z")),
            Some(ms("2026-11-30T07:00:00Z"))
        );
        // 07:59 Berlin: the same morning.
        assert_eq!(
            next_start(&hours, &berlin, ms("2026-11-24T06:59:00Z")),
            Some(ms("2026-11-24T07:00:00Z"))
        );
        // The end is not within.
        assert!(next_start(&hours, &berlin, ms("2026-11-24T17:00:00Z")).is_some());
        // Across the spring change: Mon 30 Mar 2026 08:00 is CEST (06:00 UTC).
        assert_eq!(
            next_start(&hours, &berlin, ms("2026-03-28T12:00:00Z")),
            Some(ms("2026-03-30T06:00:00Z"))
        );
    }

    #[test]
    fn night_shifts_run_past_midnight() {
        let night = Hours {
            days: bit(Weekday::Monday),
            start: 22 * 60,
            end: 6 * 60,
            time_zone: None,
        };
        let utc = TimeZone::UTC;
        // Tue 01:00 belongs to Monday's shift.
        assert_eq!(next_start(&night, &utc, ms("2026-11-24T01:00:00Z")), None);
        assert_eq!(
            next_start(&night, &utc, ms("2026-11-24T07:00:00Z")),
            Some(ms("2026-11-30T22:00:00Z"))
        );
        assert_eq!(describe(&night), "Mon 22:00–06:00");
        assert_eq!(describe(&Hours::default()), "Mon–Fri 08:00–18:00");
        assert!(
            check(&Hours {
                days: 0,
                ..Hours::default()
            })
            .is_err()
        );
        assert!(
            check(&Hours {
                days: 128,
                ..Hours::default()
            })
            .is_err()
        );
        assert!(
            check(&Hours {
                start: 1440,
                end: 60,
                ..Hours::default()
            })
            .is_err()
        );
        assert!(
            check(&Hours {
                time_zone: Some("Mars/Base".into()),
                ..Hours::default()
            })
            .is_err()
        );
    }
}
