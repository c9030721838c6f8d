using System.Globalization;
using System.Text;

namespace Sentinel.Probes.Checks;

/// <summary>
/// Durations as check files write them: one or more number-and-unit pairs such as <c>500ms</c>, <c>30s</c>,
/// <c>5m</c>, <c>1h30m</c> or <c>1.5s</c> (units <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>), the
/// notation Prometheus and Go use.
/// </summary>
public static class Duration
{
    /// <summary>Parses a duration; returns <see langword="false"/> for anything that is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        var ticks = 0m;
        var i = 0;
        var lastUnitRank = int.MaxValue;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetterLower(text[i]))
            {
                i++;
            }

            var (unitTicks, rank) = text.AsSpan(unitStart, i - unitStart) switch
            {
                "d" => (TimeSpan.TicksPerDay, 5),
                "h" => (TimeSpan.TicksPerHour, 4),
                "m" => (TimeSpan.TicksPerMinute, 3),
                "s" => (TimeSpan.TicksPerSecond, 2),
                "ms" => (TimeSpan.TicksPerMillisecond, 1),
                _ => (0L, 0),
            };

            // Units must be known and in decreasing order, each at most once: "1h30m" but not "30m1h".
            if (rank == 0 || rank >= lastUnitRank)
            {
                return false;
            }

            lastUnitRank = rank;
            if (number > (decimal)TimeSpan.MaxValue.Ticks / unitTicks)
            {
                return false;
            }

            ticks += number * unitTicks;
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>Formats a duration the way check files write it, e.g. <c>1m30s</c> or <c>250ms</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        Append(sb, value.Days, "d");
        Append(sb, value.Hours, "h");
        Append(sb, value.Minutes, "m");
        Append(sb, value.Seconds, "s");
        Append(sb, value.Milliseconds, "ms");
        return sb.Length == 0 ? "0s" : sb.ToString();

        static void Append(StringBuilder sb, int amount, string unit)
        {
            if (amount > 0)
            {
                sb.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }
}
