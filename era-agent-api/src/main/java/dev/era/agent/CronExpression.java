package dev.era.agent;

import java.time.Instant;

/**
 * The cron subset of {@link Schedule.Cron}, computed with plain arithmetic on epoch minutes in
 * UTC (no {@code java.time} calendar classes, which TeaVM only partly provides).
 */
final class CronExpression {
    /** How far ahead a next time is searched; 8 years always include a 29 February. */
    private static final long SEARCH_DAYS = 8 * 366;

    private final long minutes;
    private final long hours;
    private final long days;
    private final long months;
    private final long weekdays;
    private final boolean daysRestricted;
    private final boolean weekdaysRestricted;

    private CronExpression(String[] f, String expression) {
        minutes = field(f[0], 0, 59, "minute", expression);
        hours = field(f[1], 0, 23, "hour", expression);
        days = field(f[2], 1, 31, "day of month", expression);
        months = field(f[3], 1, 12, "month", expression);
        long dow = field(f[4], 0, 7, "day of week", expression);
        weekdays = (dow & (1L << 7)) != 0 ? (dow | 1L) & ~(1L << 7) : dow; // 7 is Sunday too
        daysRestricted = !f[2].startsWith("*");
        weekdaysRestricted = !f[4].startsWith("*");
    }

    static CronExpression parse(String expression) {
        if (expression == null) {
            throw new IllegalArgumentException("A cron expression is required");
        }
        String[] f = expression.trim().split("\\s+");
        if (f.length != 5) {
            throw new IllegalArgumentException("The cron expression '" + expression
                    + "' must have 5 fields (minute hour day-of-month month day-of-week); it has " + f.length);
        }
        CronExpression cron = new CronExpression(f, expression);
        cron.nextAfter(Instant.ofEpochSecond(0), expression); // one that never matches (30 February) is refused now
        return cron;
    }

    /** The first whole minute strictly after {@code t} that the expression matches. */
    Instant nextAfter(Instant t) {
        return nextAfter(t, "");
    }

    private Instant nextAfter(Instant t, String expression) {
        long minute = Math.floorDiv(t.getEpochSecond(), 60) + 1;
        long lastDay = Math.floorDiv(minute, 1440) + SEARCH_DAYS;
        while (Math.floorDiv(minute, 1440) <= lastDay) {
            long day = Math.floorDiv(minute, 1440);
            long[] ymd = civil(day);
            if (!has(months, ymd[1])) {
                long y = ymd[1] == 12 ? ymd[0] + 1 : ymd[0];
                long m = ymd[1] == 12 ? 1 : ymd[1] + 1;
                minute = daysFromCivil(y, m, 1) * 1440;
                continue;
            }
            if (!dayMatches(ymd[2], Math.floorMod(day + 4, 7))) { // 1970-01-01 was a Thursday (4)
                minute = (day + 1) * 1440;
                continue;
            }
            long minuteOfDay = minute - day * 1440;
            if (!has(hours, minuteOfDay / 60)) {
                minute = day * 1440 + (minuteOfDay / 60 + 1) * 60;
                continue;
            }
            if (!has(minutes, minuteOfDay % 60)) {
                minute++;
                continue;
            }
            return Instant.ofEpochSecond(minute * 60);
        }
        throw new IllegalArgumentException("The cron expression '" + expression + "' never matches a real date"
                + " (such as 30 February); fix the day and month fields");
    }

    private boolean dayMatches(long dayOfMonth, long dayOfWeek) {
        boolean dom = has(days, dayOfMonth);
        boolean dow = has(weekdays, dayOfWeek);
        // Vixie cron: when both day fields are restricted, a day matching either fires.
        return daysRestricted && weekdaysRestricted ? dom || dow : dom && dow;
    }

    private static boolean has(long bits, long value) {
        return (bits & (1L << value)) != 0;
    }

    private static long field(String text, int min, int max, String name, String expression) {
        long bits = 0;
        for (String part : text.split(",", -1)) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), 1, max, name, expression);
                range = part.substring(0, slash);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else {
                int dash = range.indexOf('-');
                from = number(dash < 0 ? range : range.substring(0, dash), min, max, name, expression);
                to = dash < 0 ? (slash >= 0 ? max : from) : number(range.substring(dash + 1), min, max, name, expression);
                if (to < from) {
                    throw bad(expression, name, "the range " + range + " runs backwards");
                }
            }
            for (int v = from; v <= to; v += step) {
                bits |= 1L << v;
            }
        }
        return bits;
    }

    private static int number(String s, int min, int max, String name, String expression) {
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw bad(expression, name, "'" + s + "' is not a number (names like MON are not supported)");
        }
        if (v < min || v > max) {
            throw bad(expression, name, v + " is outside " + min + "-" + max);
        }
        return v;
    }

    private static IllegalArgumentException bad(String expression, String field, String why) {
        return new IllegalArgumentException("The cron expression '" + expression + "' has a bad " + field + " field: " + why);
    }

    /** Year, month (1-12), day (1-31) of an epoch day (Howard Hinnant's civil_from_days). */
    static long[] civil(long epochDay) {
        long z = epochDay + 719468;
        long era = Math.floorDiv(z, 146097);
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long d = doy - (153 * mp + 2) / 5 + 1;
        long m = mp < 10 ? mp + 3 : mp - 9;
        return new long[] {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
    }

    static long daysFromCivil(long year, long month, long day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
