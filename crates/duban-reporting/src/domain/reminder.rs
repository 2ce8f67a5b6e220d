//! Reminder rules and the decision a sweep makes for one open slot: which reminder
//! to send now, if any, and which earlier ones it passes over. Offsets count
//! calendar or working days from the due date in Asia/Shanghai, and a day that is
//! not a working day may move to the next or previous one; each rule fires at its
//! hour of that day, China time (for 2019-Q3, due 2019-09-30, "7 days before at
//! 09:00" fires 2019-09-23 09:00 +08:00). The due date itself never moves.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use duban_model::WorkingCalendar;

/// More calendar days than the longest run of non-working days the State
/// Council has arranged (9): how far moving off a holiday can carry a reminder.
const MOVE_SLACK_DAYS: u64 = 14;

/// The rung of the supervision ladder a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    /// Before the due day (blue).
    Upcoming,
    /// On the due day (blue).
    Due,
    /// After the due time, to the unit (yellow).
    Overdue,
    /// Long after, to the leading-group office (red).
    Escalation,
}

impl ReminderKind {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "UPCOMING",
            Self::Due => "DUE",
            Self::Overdue => "OVERDUE",
            Self::Escalation => "ESCALATION",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Upcoming, Self::Due, Self::Overdue, Self::Escalation]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// How a rule counts its offset from the due date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DayCount {
    /// Every day counts (what rules stored before working days did).
    #[default]
    CalendarDays,
    /// Only working days count: `-3` is the third working day before the due
    /// date, `+1` the first working day after it.
    WorkingDays,
}

impl DayCount {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CalendarDays => "CALENDAR_DAYS",
            Self::WorkingDays => "WORKING_DAYS",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::CalendarDays, Self::WorkingDays]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// Where a reminder whose day is not a working day fires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NonWorkingDay {
    /// On that day all the same (what rules stored before working days did).
    #[default]
    Keep,
    /// On the first working day after it.
    NextWorkingDay,
    /// On the last working day before it.
    PreviousWorkingDay,
}

impl NonWorkingDay {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "KEEP",
            Self::NextWorkingDay => "NEXT_WORKING_DAY",
            Self::PreviousWorkingDay => "PREVIOUS_WORKING_DAY",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Keep, Self::NextWorkingDay, Self::PreviousWorkingDay]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// When and how a reminder fires relative to a period's due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRule {
    /// Unique within the plan, e.g. `upcoming-7d`.
    pub id: String,
    pub kind: ReminderKind,
    /// Days from the due date, counted as `day_count` says: negative before, 0
    /// on it, positive after.
    pub offset_days: i32,
    pub day_count: DayCount,
    pub on_non_working_day: NonWorkingDay,
    /// Hour and minute of the firing day, China time.
    pub hour: u32,
    pub minute: u32,
    pub enabled: bool,
    /// For escalations: the unit told (the leading-group office), `units/{id}` id.
    pub escalate_to: Option<String>,
}

impl ReminderRule {
    fn new(id: &str, kind: ReminderKind, offset_days: i32, move_to: NonWorkingDay) -> Self {
        Self {
            id: id.to_owned(),
            kind,
            offset_days,
            day_count: DayCount::CalendarDays,
            on_non_working_day: move_to,
            hour: 9,
            minute: 0,
            enabled: true,
            escalate_to: None,
        }
    }

    /// Returns the day the rule fires for a period due on `due_date`: the offset
    /// counted as the rule says, then moved off a non-working day as it says.
    pub fn fire_day(&self, due_date: NaiveDate, calendar: &WorkingCalendar) -> NaiveDate {
        let day = match self.day_count {
            DayCount::CalendarDays => plus_days(due_date, i64::from(self.offset_days)),
            DayCount::WorkingDays => calendar.add_working_days(due_date, self.offset_days),
        };
        if calendar.is_working_day(day) {
            return day;
        }
        let next = || calendar.next_working_day_on_or_after(day);
        let previous = || calendar.add_working_days(day, -1);
        let moved = match self.on_non_working_day {
            NonWorkingDay::Keep => return day,
            NonWorkingDay::NextWorkingDay => next(),
            NonWorkingDay::PreviousWorkingDay => previous(),
        };
        // A move never carries a reminder across the due date: "1 day after"
        // moved back onto the due day would chase a report not yet late, and "1
        // day before" moved onto it would say it is still to come. It goes the
        // other way instead.
        if self.offset_days > 0 && moved <= due_date {
            next()
        } else if self.offset_days < 0 && moved >= due_date {
            previous()
        } else {
            moved
        }
    }

    /// Returns the instant the rule fires for a period due on `due_date`.
    pub fn fire_time(&self, due_date: NaiveDate, calendar: &WorkingCalendar) -> DateTime<Utc> {
        let local = self
            .fire_day(due_date, calendar)
            .and_hms_opt(self.hour.min(23), self.minute.min(59), 0)
            .unwrap_or_default();
        // China has had no daylight saving since 1991: the local time is unique.
        Shanghai
            .from_local_datetime(&local)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
    }

    /// Returns how many calendar days from the due date the rule can fire at
    /// most: a working day comes at least every other day over any span longer
    /// than a holiday, and a move adds at most a holiday's length.
    fn reach_days(&self) -> u64 {
        let offset = u64::from(self.offset_days.unsigned_abs());
        let counted = match self.day_count {
            DayCount::CalendarDays => offset,
            DayCount::WorkingDays => 2 * offset,
        };
        counted + MOVE_SLACK_DAYS
    }
}

fn plus_days(date: NaiveDate, days: i64) -> NaiveDate {
    let step = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(step)
    } else {
        date.checked_sub_days(step)
    }
    .unwrap_or(date)
}

/// Returns how many calendar days before and after a due date `rules` can fire
/// at most; None when there are no rules.
pub fn reach(rules: &[ReminderRule]) -> Option<(u64, u64)> {
    let side = |keep: fn(i32) -> bool| {
        rules
            .iter()
            .filter(|r| keep(r.offset_days))
            .map(ReminderRule::reach_days)
            .max()
            .unwrap_or(0)
    };
    (!rules.is_empty()).then(|| (side(|o| o <= 0), side(|o| o >= 0)))
}

/// Returns the years whose calendars decide when `rules` fire for slots due on
/// `due_dates` (None when there are no rules or dates).
pub fn calendar_years(
    rules: &[ReminderRule],
    due_dates: impl IntoIterator<Item = NaiveDate>,
) -> Option<RangeInclusive<i32>> {
    let (before, after) = reach(rules)?;
    let dates: Vec<NaiveDate> = due_dates.into_iter().collect();
    let first = plus_days(*dates.iter().min()?, -i64::try_from(before).ok()?);
    let last = plus_days(*dates.iter().max()?, i64::try_from(after).ok()?);
    Some(first.year()..=last.year())
}

/// The rules a plan starts with: 7 and 1 days before, on the day, 1 and 3 days
/// after, and an escalation 7 days after, each at 09:00 China time. A reminder
/// before the due date that falls on a day off comes on the working day before
/// it, one after the due date on the working day after it.
pub fn default_rules() -> Vec<ReminderRule> {
    use NonWorkingDay::{Keep, NextWorkingDay as Next, PreviousWorkingDay as Previous};
    // After the due date the ladder counts working days: counted in calendar
    // days and moved off a holiday, +1, +3 and +7 would all land on the first
    // day after a long holiday (2019-10-08 for 2019-Q3), and the escalation to
    // the office would supersede both warnings to the unit.
    let in_working_days = |mut rule: ReminderRule| {
        rule.day_count = DayCount::WorkingDays;
        rule
    };
    vec![
        ReminderRule::new("upcoming-7d", ReminderKind::Upcoming, -7, Previous),
        ReminderRule::new("upcoming-1d", ReminderKind::Upcoming, -1, Previous),
        ReminderRule::new("due", ReminderKind::Due, 0, Keep),
        in_working_days(ReminderRule::new(
            "overdue-1d",
            ReminderKind::Overdue,
            1,
            Next,
        )),
        in_working_days(ReminderRule::new(
            "overdue-3d",
            ReminderKind::Overdue,
            3,
            Next,
        )),
        in_working_days(ReminderRule::new(
            "escalation-7d",
            ReminderKind::Escalation,
            7,
            Next,
        )),
    ]
}

/// What a sweep does for one open slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    /// The reminder to send now: the latest rule that has fired and not been sent.
    pub send: Option<&'a ReminderRule>,
    /// Rules that fired since the last one sent but are superseded by `send`: a
    /// sweep after downtime sends what still matters, not a burst of stale ones.
    pub skipped: Vec<&'a ReminderRule>,
}

/// Decides for one open slot due on `due_date`, at `as_of`, given the ids of the
/// rules already sent for it; `calendar` says which days are working days.
pub fn decide<'a>(
    rules: &'a [ReminderRule],
    due_date: NaiveDate,
    calendar: &WorkingCalendar,
    as_of: DateTime<Utc>,
    already_sent: &[String],
) -> Decision<'a> {
    let fired = fired_in_order(rules, due_date, calendar, as_of);
    let last_sent = fired
        .iter()
        .filter(|(_, r)| already_sent.contains(&r.id))
        .map(|(at, _)| *at)
        .max();
    let Some(&(_, latest)) = fired.last() else {
        return Decision {
            send: None,
            skipped: Vec::new(),
        };
    };
    if already_sent.contains(&latest.id) {
        return Decision {
            send: None,
            skipped: Vec::new(),
        };
    }
    let skipped = fired[..fired.len() - 1]
        .iter()
        .filter(|(_, r)| !already_sent.contains(&r.id))
        .filter(|(at, _)| last_sent.is_none_or(|sent| *at > sent))
        .map(|(_, r)| *r)
        .collect();
    Decision {
        send: Some(latest),
        skipped,
    }
}

/// The enabled rules that have fired by `as_of` for a slot due on `due_date`,
/// with their fire times, the latest rung last: the rung `decide` sends, so
/// that a sweep can ask first whether that one was sent.
pub fn fired_in_order<'a>(
    rules: &'a [ReminderRule],
    due_date: NaiveDate,
    calendar: &WorkingCalendar,
    as_of: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, &'a ReminderRule)> {
    let mut fired: Vec<(DateTime<Utc>, &ReminderRule)> = rules
        .iter()
        .filter(|r| r.enabled)
        .map(|r| (r.fire_time(due_date, calendar), r))
        .filter(|(at, _)| *at <= as_of)
        .collect();
    // Rules moved onto the same day (three after a holiday) fire at once: the
    // one furthest from the due date is the latest rung.
    fired.sort_by_key(|(at, r)| (*at, r.offset_days));
    fired
}

/// Returns the deterministic event id of a reminder: the same slot, rule and offset
/// always give the same id, so a unique key makes every sweep write it once.
pub fn event_id(
    plan: &str,
    task: &str,
    unit: &str,
    period: &str,
    rule: &str,
    offset_days: i32,
) -> String {
    format!("reminder:{plan}:{task}:{unit}:{period}:{rule}:{offset_days:+}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The State Council's arrangements as shipped: in 2019 National Day is
    /// 10-01..10-07 off, Sunday 09-29 and Saturday 10-12 worked.
    fn shipped() -> WorkingCalendar {
        let text = include_str!("../../../../seeds/calendar/cn-holidays.txt");
        WorkingCalendar::new(duban_model::calendar_text::parse(text).unwrap())
    }

    fn china(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Shanghai
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn due() -> NaiveDate {
        date(2019, 9, 30)
    }

    fn rule(offset_days: i32, day_count: DayCount, move_to: NonWorkingDay) -> ReminderRule {
        ReminderRule {
            day_count,
            ..ReminderRule::new("r", ReminderKind::Overdue, offset_days, move_to)
        }
    }

    fn decide_at<'a>(rules: &'a [ReminderRule], at: DateTime<Utc>, sent: &[&str]) -> Decision<'a> {
        let sent: Vec<String> = sent.iter().map(|s| (*s).to_owned()).collect();
        decide(rules, due(), &shipped(), at, &sent)
    }

    fn ids(rules: &[&ReminderRule]) -> Vec<String> {
        rules.iter().map(|r| r.id.clone()).collect()
    }

    #[test]
    fn the_first_reminder_of_2019_q3_fires_on_the_23rd_at_nine_china_time() {
        let rules = default_rules();
        assert_eq!(rules[0].fire_time(due(), &shipped()), china(2019, 9, 23, 9));
    }

    #[test]
    fn after_national_day_the_default_ladder_waits_for_the_first_working_day() {
        let calendar = shipped();
        let days: Vec<NaiveDate> = default_rules()
            .iter()
            .map(|r| r.fire_day(due(), &calendar))
            .collect();
        let (sunday_worked, holiday_over) = (date(2019, 9, 29), date(2019, 10, 8));
        // After the due date the ladder counts working days: +1, +3 and +7 of
        // them are 10-08, 10-10 and 10-15 (Saturday 10-12 is worked).
        assert_eq!(
            days,
            [
                date(2019, 9, 23),
                sunday_worked,
                due(),
                holiday_over,
                date(2019, 10, 10),
                date(2019, 10, 15)
            ]
        );
        // With no calendar known only weekends are off: 7 working days after
        // Monday 09-30 is Wednesday 10-09.
        let plain = WorkingCalendar::default();
        assert_eq!(
            default_rules()[5].fire_day(due(), &plain),
            date(2019, 10, 9)
        );
        assert_eq!(
            default_rules()[1].fire_day(due(), &plain),
            date(2019, 9, 27)
        );
    }

    #[test]
    fn working_days_count_past_the_holiday_and_onto_the_saturday_worked() {
        let calendar = shipped();
        let after =
            |n| rule(n, DayCount::WorkingDays, NonWorkingDay::Keep).fire_day(due(), &calendar);
        assert_eq!(after(1), date(2019, 10, 8), "the first working day after");
        assert_eq!(after(4), date(2019, 10, 11));
        assert_eq!(after(5), date(2019, 10, 12), "Saturday, worked in 2019");
        assert_eq!(after(6), date(2019, 10, 14));
        // Three working days before: Sunday 09-29 (worked), Friday 27, Thursday 26.
        assert_eq!(after(-3), date(2019, 9, 26));
        assert_eq!(after(0), due());
    }

    #[test]
    fn a_stored_rule_that_keeps_its_day_fires_on_the_holiday_as_before() {
        let keep = rule(1, DayCount::CalendarDays, NonWorkingDay::Keep);
        assert_eq!(keep.fire_time(due(), &shipped()), china(2019, 10, 1, 9));
        let back = rule(
            -2,
            DayCount::CalendarDays,
            NonWorkingDay::PreviousWorkingDay,
        );
        assert_eq!(
            back.fire_day(due(), &shipped()),
            date(2019, 9, 27),
            "Saturday 28 is off"
        );
    }

    #[test]
    fn a_move_never_carries_a_reminder_across_the_due_date() {
        let calendar = shipped();
        // Due Friday 2021-12-31; the next day starts the New Year holiday.
        let back = rule(1, DayCount::CalendarDays, NonWorkingDay::PreviousWorkingDay);
        assert_eq!(
            back.fire_day(date(2021, 12, 31), &calendar),
            date(2022, 1, 4)
        );
        // Due 2019-10-08, the day after National Day.
        let on = rule(-1, DayCount::CalendarDays, NonWorkingDay::NextWorkingDay);
        assert_eq!(on.fire_day(date(2019, 10, 8), &calendar), date(2019, 9, 30));
    }

    #[test]
    fn nothing_fires_before_the_first_rule() {
        let rules = default_rules();
        let decision = decide_at(&rules, china(2019, 9, 23, 8), &[]);
        assert_eq!(
            decision,
            Decision {
                send: None,
                skipped: vec![]
            }
        );
    }

    #[test]
    fn the_latest_fired_rule_is_sent_once() {
        let rules = default_rules();
        let first = decide_at(&rules, china(2019, 9, 23, 9), &[]);
        assert_eq!(first.send.map(|r| r.id.as_str()), Some("upcoming-7d"));
        let again = decide_at(&rules, china(2019, 9, 23, 10), &["upcoming-7d"]);
        assert_eq!(again.send, None);
    }

    #[test]
    fn nothing_is_sent_during_the_holiday_and_the_ladder_resumes_after_it() {
        let rules = default_rules();
        let sent = ["upcoming-7d", "upcoming-1d", "due"];
        for day in 1..=7 {
            let quiet = decide_at(&rules, china(2019, 10, day, 18), &sent);
            assert_eq!(quiet.send, None, "2019-10-{day:02}");
        }
        let after = decide_at(&rules, china(2019, 10, 8, 9), &sent);
        assert_eq!(after.send.map(|r| r.id.as_str()), Some("overdue-1d"));
        assert!(after.skipped.is_empty());
        let third = decide_at(&rules, china(2019, 10, 10, 9), &["overdue-1d"]);
        assert_eq!(third.send.map(|r| r.id.as_str()), Some("overdue-3d"));
        let office = decide_at(&rules, china(2019, 10, 15, 9), &["overdue-3d"]);
        assert_eq!(office.send.map(|r| r.id.as_str()), Some("escalation-7d"));
    }

    #[test]
    fn after_downtime_only_the_latest_is_sent_and_the_rest_counted() {
        let rules = default_rules();
        let late = decide_at(&rules, china(2019, 10, 1, 9), &["upcoming-7d"]);
        assert_eq!(late.send.map(|r| r.id.as_str()), Some("due"));
        assert_eq!(ids(&late.skipped), ["upcoming-1d"]);
        let fresh = decide_at(&rules, china(2019, 10, 15, 9), &[]);
        assert_eq!(fresh.send.map(|r| r.id.as_str()), Some("escalation-7d"));
        assert_eq!(fresh.skipped.len(), 5);
    }

    #[test]
    fn disabled_rules_never_fire() {
        let mut rules = default_rules();
        rules[5].enabled = false;
        let decision = decide_at(&rules, china(2019, 10, 15, 9), &["overdue-3d"]);
        assert_eq!(decision.send, None);
    }

    #[test]
    fn the_calendar_years_cover_every_day_a_rule_can_reach() {
        let rules = default_rules();
        assert_eq!(calendar_years(&rules, [due()]), Some(2019..=2019));
        assert_eq!(
            calendar_years(&rules, [date(2019, 12, 31)]),
            Some(2019..=2020)
        );
        assert_eq!(calendar_years(&rules, []), None);
        assert_eq!(calendar_years(&[], [due()]), None);
    }

    #[test]
    fn stored_spellings_round_trip() {
        for count in [DayCount::CalendarDays, DayCount::WorkingDays] {
            assert_eq!(DayCount::parse(count.as_str()), Some(count));
        }
        for to in [
            NonWorkingDay::Keep,
            NonWorkingDay::NextWorkingDay,
            NonWorkingDay::PreviousWorkingDay,
        ] {
            assert_eq!(NonWorkingDay::parse(to.as_str()), Some(to));
        }
    }

    #[test]
    fn ids_are_deterministic() {
        assert_eq!(
            event_id("p", "t", "u", "2019-Q3", "overdue-1d", 1),
            "reminder:p:t:u:2019-Q3:overdue-1d:+1"
        );
        assert_ne!(
            event_id("p", "t", "u", "2019-Q3", "r", -1),
            event_id("p", "t", "u", "2019-Q3", "r", 1)
        );
    }
}
