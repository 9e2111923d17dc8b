//! Unix times as the UTC calendar dates pages show. A few lines of
//! arithmetic instead of a date crate: Backlot only ever prints dates.

/// `2026-01-31` and `2026-01-31T12:00:00Z` (for `<time datetime>`).
pub fn utc(secs: i64) -> (String, String) {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let date = format!("{y:04}-{m:02}-{d:02}");
    let datetime = format!(
        "{date}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    );
    (date, datetime)
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day):
/// Howard Hinnant's `civil_from_days`, which counts in 400-year eras
/// starting on March 1st so that the leap day ends a year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1st
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(secs: i64) -> String {
        utc(secs).0
    }

    #[test]
    fn epoch_and_times_of_day() {
        assert_eq!(utc(0), ("1970-01-01".into(), "1970-01-01T00:00:00Z".into()));
        assert_eq!(utc(86_399).1, "1970-01-01T23:59:59Z");
        assert_eq!(utc(86_400).1, "1970-01-02T00:00:00Z");
        assert_eq!(utc(-1).1, "1969-12-31T23:59:59Z");
        // `date -u -d @1769860800`
        assert_eq!(utc(1_769_860_800).1, "2026-01-31T12:00:00Z");
    }

    #[test]
    fn leap_years() {
        // 2000 is a leap year (divisible by 400), 1900 and 2100 are not.
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(951_868_800), "2000-03-01");
        assert_eq!(date(-2_203_977_600), "1900-02-28");
        assert_eq!(date(-2_203_891_200), "1900-03-01");
        assert_eq!(date(4_107_456_000), "2100-02-28");
        assert_eq!(date(4_107_542_400), "2100-03-01");
        assert_eq!(date(1_709_164_800), "2024-02-29");
        assert_eq!(date(1_735_603_200), "2024-12-31");
        assert_eq!(date(1_735_689_600), "2025-01-01");
    }

    #[test]
    fn agrees_with_counting_days() {
        // Walk day by day from 1600 to 2400 with the textbook rules.
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let (mut y, mut m, mut d) = (1970i64, 1u32, 1u32);
        let lengths = |y: i64, m: u32| match m {
            2 if leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        for days in 0..156_000 {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            d += 1;
            if d > lengths(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        let (mut y, mut m, mut d) = (1970i64, 1u32, 1u32);
        for days in (-135_000..=0).rev() {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            d -= 1;
            if d == 0 {
                if m == 1 {
                    m = 12;
                    y -= 1;
                } else {
                    m -= 1;
                }
                d = lengths(y, m);
            }
        }
    }
}
