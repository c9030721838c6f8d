namespace Sentinel.Worker.Storage;

/// <summary>
/// Where each kind of history begins at a given moment: the first instant of the oldest partition retention keeps.
/// Data from a horizon on is kept; data before it is dropped (or is dropped by the next maintenance round). Raw results
/// and minute rollups are kept by UTC day, hour rollups by UTC month: a partition goes once it ended before
/// "now minus the retention", so everything is kept at least as long as configured.
/// </summary>
/// <param name="Raw">The first instant of the oldest day of raw results kept.</param>
/// <param name="Minute">The first instant of the oldest day of minute rollups kept.</param>
/// <param name="Hour">The first instant of the oldest month of hour rollups kept.</param>
internal readonly record struct RetentionHorizons(DateTimeOffset Raw, DateTimeOffset Minute, DateTimeOffset Hour)
{
    /// <summary>The horizons at <paramref name="now"/> under <paramref name="options"/>.</summary>
    public static RetentionHorizons At(DateTimeOffset now, StorageOptions options) => new(
        DayStart(now - options.Retention),
        DayStart(now - options.MinuteRollupRetention),
        MonthStart(now - options.HourRollupRetention));

    /// <summary>The oldest UTC day of raw results kept.</summary>
    public DateOnly OldestRawDay => DateOnly.FromDateTime(Raw.UtcDateTime);

    /// <summary>
    /// Whether a result that started at <paramref name="startedAt"/> belongs to a day still kept. Start times of
    /// ±infinity (stored in <c>results_undated</c>) are kept; that partition is cleaned by arrival time.
    /// </summary>
    public bool KeepsResult(DateTimeOffset startedAt) =>
        startedAt == DateTimeOffset.MinValue || startedAt == DateTimeOffset.MaxValue || startedAt >= Raw;

    /// <summary>The start of <paramref name="at"/>'s UTC day.</summary>
    public static DateTimeOffset DayStart(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);

    /// <summary>The start of <paramref name="at"/>'s UTC month.</summary>
    public static DateTimeOffset MonthStart(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
}
