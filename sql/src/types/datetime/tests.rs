//! Expected strings obtained from PostgreSQL 15.18 with psql (and date.out/timestamp.out).

use std::sync::Arc;

use super::*;
use crate::types::context::{DateOrder, DateStyle};
use crate::types::tz::TimeZone;

fn ctx(style: DateStyle, order: DateOrder, zone: &str) -> FormatContext {
    FormatContext {
        datestyle: style,
        dateorder: order,
        timezone: Arc::new(TimeZone::named(zone).expect("zone")),
        ..FormatContext::default()
    }
}

#[test]
fn calendar_round_trip() {
    for d in [-800_000i64, -1, 0, 1, 59, 60, 365, 9000, 2_000_000] {
        let (y, m, day) = civil_from_days(d);
        assert_eq!(days_from_civil(y, m, day), d);
    }
    assert_eq!(civil_from_days(0), (2000, 1, 1));
    assert_eq!(weekday(0), 6);
}

#[test]
fn date_input_forms() {
    let c = FormatContext::default();
    for s in [
        "January 8, 1999",
        "1/8/1999",
        "08-Jan-1999",
        "19990108",
        "1999-01-08",
        "Jan-08-1999",
        "1999-Jan-08",
        "8 January 1999",
    ] {
        assert_eq!(
            format_date(parse_date(s, &c).expect(s), &c),
            "1999-01-08",
            "{s}"
        );
    }
    let dmy = ctx(DateStyle::Iso, DateOrder::Dmy, "UTC");
    assert_eq!(
        format_date(parse_date("1/8/1999", &dmy).expect("dmy"), &c),
        "1999-08-01"
    );
    // date.out
    let e = parse_date("1/18/1999", &dmy).expect_err("range");
    assert_eq!(
        e.to_string(),
        "date/time field value out of range: \"1/18/1999\""
    );
    assert_eq!(e.sqlstate(), "22008");
    let e = parse_date("1999-08-Jan", &c).expect_err("syntax");
    assert_eq!(
        e.to_string(),
        "invalid input syntax for type date: \"1999-08-Jan\""
    );
    assert_eq!(e.sqlstate(), "22007");
    assert_eq!(
        format_date(parse_date("infinity", &c).expect("inf"), &c),
        "infinity"
    );
    assert_eq!(
        format_date(parse_date("0001-01-01 BC", &c).expect("bc"), &c),
        "0001-01-01 BC"
    );
    assert!(parse_date("2023-02-29", &c).is_err());
}

#[test]
fn timestamptz_styles_and_zones() {
    let ny = ctx(DateStyle::Iso, DateOrder::Mdy, "America/New_York");
    let show =
        |s: &str, c: &FormatContext| format_timestamptz(parse_timestamptz(s, &ny).expect(s), c);
    assert_eq!(show("2024-03-10 02:30", &ny), "2024-03-10 03:30:00-04");
    assert_eq!(show("2024-11-03 01:30", &ny), "2024-11-03 01:30:00-05");
    assert_eq!(
        show("1999-01-08 04:05:06.789+02", &ny),
        "1999-01-07 21:05:06.789-05"
    );
    assert_eq!(show("1999-01-08T04:05:06Z", &ny), "1999-01-07 23:05:06-05");
    let pg = ctx(DateStyle::Postgres, DateOrder::Mdy, "America/New_York");
    assert_eq!(
        show("2024-07-01 12:34:56.5", &pg),
        "Mon Jul 01 12:34:56.5 2024 EDT"
    );
    let sql = ctx(DateStyle::Sql, DateOrder::Dmy, "America/New_York");
    assert_eq!(
        show("2024-07-01 12:34:56.5", &sql),
        "01/07/2024 12:34:56.5 EDT"
    );
    let de = ctx(DateStyle::German, DateOrder::Mdy, "America/New_York");
    assert_eq!(
        show("2024-07-01 12:34:56.5", &de),
        "01.07.2024 12:34:56.5 EDT"
    );
    assert_eq!(
        format_date(parse_date("2024-07-01", &pg).expect("d"), &pg),
        "07-01-2024"
    );
    assert_eq!(
        format_date(parse_date("2024-07-01", &sql).expect("d"), &sql),
        "01/07/2024"
    );
    let bc = parse_timestamp("0001-01-01 BC", &pg).expect("bc");
    assert_eq!(format_timestamp(bc, &pg), "Sat Jan 01 00:00:00 0001 BC");
}

#[test]
fn timestamp_and_time_input() {
    let c = FormatContext::default();
    let ts = |s: &str| format_timestamp(parse_timestamp(s, &c).expect(s), &c);
    assert_eq!(ts("1997-02-10 17:32:01.4 PST"), "1997-02-10 17:32:01.4");
    assert_eq!(ts("Feb 10 17:32:01 1997"), "1997-02-10 17:32:01");
    assert_eq!(ts("epoch"), "1970-01-01 00:00:00");
    assert_eq!(ts("2000-01-01 11:59 pm"), "2000-01-01 23:59:00");
    assert_eq!(
        format_time(parse_time("04:05:06.789").expect("t")),
        "04:05:06.789"
    );
    assert_eq!(format_time(parse_time("11:59 PM").expect("t")), "23:59:00");
    let e = parse_timestamp("Feb 29 17:32:01 1997", &c).expect_err("range");
    assert_eq!(
        e.to_string(),
        "date/time field value out of range: \"Feb 29 17:32:01 1997\""
    );
}

#[test]
fn regression_file_forms() {
    // Inputs from timestamp.sql/timestamptz.sql, results from PostgreSQL 15 with
    // TimeZone = 'America/Los_Angeles'.
    let la = ctx(DateStyle::Iso, DateOrder::Mdy, "America/Los_Angeles");
    let tz = |s: &str| format_timestamptz(parse_timestamptz(s, &la).expect(s), &la);
    assert_eq!(tz("19970210 173201 -0800"), "1997-02-10 17:32:01-08");
    assert_eq!(tz("2000-03-15 13:14:02 GMT-1"), "2000-03-15 04:14:02-08");
    assert_eq!(tz("2000-03-15 02:14:05 MST+7:00"), "2000-03-15 01:14:05-08");
    assert_eq!(tz("Feb 10 5:32PM 1997"), "1997-02-10 17:32:00-08");
    assert_eq!(
        tz("19970710 173201 America/New_York"),
        "1997-07-10 14:32:01-07"
    );
    assert_eq!(
        tz("Wed Jul 11 10:51:14 PST-03:00 2001"),
        "2001-07-11 00:51:14-07"
    );
    let e = parse_timestamptz("19970710 173201 America/Does_not_exist", &la).expect_err("zone");
    assert_eq!(
        e.to_string(),
        "time zone \"america/does_not_exist\" not recognized"
    );
    let e = parse_timestamptz("Feb 16 17:32:01 -0097", &la).expect_err("displacement");
    assert_eq!(
        e.to_string(),
        "time zone displacement out of range: \"Feb 16 17:32:01 -0097\""
    );
    assert_eq!(e.sqlstate(), "22009");
    let e = parse_time("23:59:60.01").expect_err("range");
    assert_eq!(
        e.to_string(),
        "date/time field value out of range: \"23:59:60.01\""
    );
    assert_eq!(
        format_date(parse_date("5874897-12-31", &la).expect("max"), &la),
        "5874897-12-31"
    );
}

#[test]
fn interval_input_overflow_errors_match_postgres() {
    // Messages from PostgreSQL 15.18: a date field leaving int32 is a field overflow, the final
    // years-to-months conversion is "interval out of range".
    let err = |s: &str| Interval::parse(s).expect_err(s).to_string();
    assert_eq!(
        err("2147483648 years"),
        "interval field value out of range: \"2147483648 years\""
    );
    assert_eq!(
        err("2147483647 decades"),
        "interval field value out of range: \"2147483647 decades\""
    );
    assert_eq!(
        err("1 week 2147483647 days"),
        "interval field value out of range: \"1 week 2147483647 days\""
    );
    assert_eq!(err("2147483647 years"), "interval out of range");
    assert_eq!(Interval::parse("1.5 years").expect("1.5 years").months, 18);
}

#[test]
fn interval_sql_standard_forms_match_postgres() {
    // Output of PostgreSQL 15.18 (IntervalStyle postgres).
    let show = |s: &str| {
        Interval::parse(s)
            .expect(s)
            .format(crate::types::IntervalStyle::Postgres)
    };
    assert_eq!(show("1-2"), "1 year 2 mons");
    assert_eq!(show("-1-2"), "-1 years -2 mons");
    assert_eq!(show("-1 +02:03"), "-1 days +02:03:00");
    assert_eq!(show("+1 -1:00:00"), "1 day -01:00:00");
    assert_eq!(show("1 day 2"), "1 day 00:00:02");
}

#[test]
fn bare_numbers_take_the_range_unit() {
    let iv = Interval::parse_in_range("2", range::HOUR).expect("2 hours");
    assert_eq!(iv.micros, 2 * 3600 * USECS_PER_SEC);
    let iv = Interval::parse_in_range("5", range::MONTH).expect("5 months");
    assert_eq!(iv.months, 5);
}
