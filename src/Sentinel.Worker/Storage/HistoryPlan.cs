using Sentinel.Api.Endpoints;
using Sentinel.Probes.Checks;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Which stored data answers a history question: the resolution for a range, and how a range's uptime is assembled
/// from hour rollups, minute rollups and raw results so that it is exact at both ends and up to the present.
/// </summary>
internal static class HistoryPlan
{
    /// <summary>Ranges up to this long are answered with raw results (360 runs of a 60 s check).</summary>
    public static readonly TimeSpan RawUpTo = TimeSpan.FromHours(6);

    /// <summary>Ranges up to this long (and longer than <see cref="RawUpTo"/>) are answered with minute buckets (at most 1,440).</summary>
    public static readonly TimeSpan MinuteUpTo = TimeSpan.FromHours(24);

    /// <summary>The points a page holds unless asked otherwise: a day of minutes, or 83 days of hours.</summary>
    public const int DefaultLimit = 2_000;

    /// <summary>The most points a page may hold: the whole default hour retention (400 days, 9,600 hours) in one page.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>
    /// How long after its start a run may still be arriving in normal operation: the longest timeout a check may have,
    /// plus time for queueing and writing. Buckets before the watermark minus this are settled: every run in them that
    /// was not replayed after an outage was ingested before the watermark, so their rollups are complete.
    /// </summary>
    public static readonly TimeSpan InFlight = CheckLimits.MaxTimeout + TimeSpan.FromMinutes(5);

    /// <summary>
    /// The resolution for [<paramref name="from"/>, <paramref name="to"/>): the one asked, or the one its length calls
    /// for; then the next coarser while the chosen one's data no longer reaches back to <paramref name="from"/>.
    /// </summary>
    public static HistoryResolution Choose(DateTimeOffset from, DateTimeOffset to, HistoryResolution? asked, RetentionHorizons kept)
    {
        var length = to - from;
        var resolution = asked ?? (length <= RawUpTo ? HistoryResolution.Raw : length <= MinuteUpTo ? HistoryResolution.Minute : HistoryResolution.Hour);
        if (resolution == HistoryResolution.Raw && from < kept.Raw)
        {
            resolution = HistoryResolution.Minute;
        }

        if (resolution == HistoryResolution.Minute && from < kept.Minute)
        {
            resolution = HistoryResolution.Hour;
        }

        return resolution;
    }

    /// <summary>
    /// Where the minute rollups end for readers: the minute before which buckets are complete, given the rollup
    /// watermark (<c>rollup_progress.ingested_before</c>); <see cref="DateTimeOffset.MinValue"/> before the first round.
    /// </summary>
    public static DateTimeOffset Settled(DateTimeOffset watermark) =>
        watermark == DateTimeOffset.MinValue || watermark - DateTimeOffset.MinValue < InFlight ? DateTimeOffset.MinValue : Floor(watermark - InFlight, TimeSpan.FromMinutes(1));

    /// <summary>
    /// The hour before which hour buckets are settled at <paramref name="watermark"/>: a rollup round computes the
    /// pending hours before it, and readers take the hours from it on from minute rollups or raw rows.
    /// </summary>
    public static DateTimeOffset SettledHour(DateTimeOffset watermark) => Floor(Settled(watermark), Hour);

    /// <summary>
    /// The pieces whose runs add up to the uptime of [<paramref name="from"/>, <paramref name="to"/>): whole hours from
    /// hour rollups as far as they are complete; the partial hours at the ends (and any hours not rolled up yet) from
    /// minute rollups and, for the partial minutes, raw results; what minute rollups do not settle yet from raw results. An end whose minute rollups are past retention is read raw; one whose raw
    /// results are gone too counts its whole hour (the finest data left). Each piece counts the buckets (or runs) that
    /// start within it.
    /// </summary>
    public static IReadOnlyList<HistorySegment> UptimeSegments(DateTimeOffset from, DateTimeOffset to, RollupCoverage rolled, RetentionHorizons kept)
    {
        var end = rolled.Minutes < from ? from : rolled.Minutes > to ? to : rolled.Minutes;
        var h0 = Min(Ceiling(from, Hour), end);
        var h1 = Max(Min(Floor(end, Hour), rolled.Hours), h0);
        var segments = new List<HistorySegment>();
        AddEnd(segments, from, h0, kept);
        Add(segments, HistoryResolution.Hour, h0, h1);
        AddEnd(segments, h1, end, kept);
        Add(segments, HistoryResolution.Raw, end, to);
        return segments;
    }

    /// <summary>The start of the bucket of <paramref name="resolution"/> that holds <paramref name="at"/>.</summary>
    public static DateTimeOffset BucketOf(DateTimeOffset at, HistoryResolution resolution) =>
        resolution == HistoryResolution.Hour ? Floor(at, Hour) : Floor(at, TimeSpan.FromMinutes(1));

    /// <summary>The first bucket start of <paramref name="resolution"/> at or after <paramref name="at"/>.</summary>
    public static DateTimeOffset BucketCeiling(DateTimeOffset at, HistoryResolution resolution) =>
        resolution == HistoryResolution.Hour ? Ceiling(at, Hour) : Ceiling(at, TimeSpan.FromMinutes(1));

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Adds the pieces of [<paramref name="start"/>, <paramref name="end"/>), which no hour rollup covers.</summary>
    private static void AddEnd(List<HistorySegment> segments, DateTimeOffset start, DateTimeOffset end, RetentionHorizons kept)
    {
        if (start >= end)
        {
            return;
        }

        if (start >= kept.Minute)
        {
            var m0 = Min(Ceiling(start, TimeSpan.FromMinutes(1)), end);
            var m1 = Max(Floor(end, TimeSpan.FromMinutes(1)), m0);
            Add(segments, HistoryResolution.Raw, start, m0);
            Add(segments, HistoryResolution.Minute, m0, m1);
            Add(segments, HistoryResolution.Raw, m1, end);
        }
        else if (start >= kept.Raw)
        {
            Add(segments, HistoryResolution.Raw, start, end);
        }
        else
        {
            Add(segments, HistoryResolution.Hour, Floor(start, Hour), end);
        }
    }

    private static void Add(List<HistorySegment> segments, HistoryResolution source, DateTimeOffset start, DateTimeOffset end)
    {
        if (start < end)
        {
            segments.Add(new HistorySegment(source, start, end));
        }
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan unit) =>
        new(at.UtcTicks - (at.UtcTicks % unit.Ticks), TimeSpan.Zero);

    private static DateTimeOffset Ceiling(DateTimeOffset at, TimeSpan unit)
    {
        var floor = Floor(at, unit);
        return floor == at.ToUniversalTime() ? floor : floor + unit;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>
/// How far the rollups are complete for readers: minute buckets before <paramref name="Minutes"/>, hour buckets before
/// <paramref name="Hours"/> (a whole hour, at most the hour of <paramref name="Minutes"/>); <see cref="DateTimeOffset.MinValue"/>
/// for none.
/// </summary>
internal readonly record struct RollupCoverage(DateTimeOffset Minutes, DateTimeOffset Hours)
{
    /// <summary>The coverage given <c>rollup_progress</c>'s <c>ingested_before</c> and <c>hours_before</c>.</summary>
    public static RollupCoverage From(DateTimeOffset ingestedBefore, DateTimeOffset hoursBefore)
    {
        var hours = HistoryPlan.SettledHour(ingestedBefore);
        return new(HistoryPlan.Settled(ingestedBefore), hoursBefore < hours ? hoursBefore : hours);
    }
}

/// <summary>A piece of a range read from one source: the buckets (or, for raw, the runs) that start in [Start, End).</summary>
internal readonly record struct HistorySegment(HistoryResolution Source, DateTimeOffset Start, DateTimeOffset End);
