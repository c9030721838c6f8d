using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Sentinel.Worker.Storage;

/// <summary>
/// How long history is kept and how often storage maintenance runs (section <c>Sentinel:Storage</c>). Raw results are
/// kept by whole UTC days, minute rollups by whole days, hour rollups by whole months: data is dropped once the whole
/// partition holding it is older than its retention, so each is kept at least as long as configured.
/// </summary>
internal sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Sentinel:Storage";

    /// <summary>
    /// How long raw results (one row per run, with every detail) are kept. Default 30 days; 1 to 3,650 days. A result
    /// that arrives older than this (replayed after a long outage) is not stored: it is counted in
    /// <c>sentinel_results_expired_total</c> and logged.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long per-minute rollups are kept. Default 7 days; 1 day to <see cref="Retention"/>. For a check that runs
    /// every 60 s a minute holds one run, so its minute rollups are as many rows as its raw results (more, with one
    /// row per phase) and hold less: they earn their space for a week of incident reviews at minute grain, not longer.
    /// </summary>
    public TimeSpan MinuteRollupRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long per-hour rollups are kept. Default 400 days (a year and a month, so a year-over-year comparison still
    /// has its whole month); <see cref="Retention"/> to 3,650 days.
    /// </summary>
    public TimeSpan HourRollupRetention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>
    /// How often a maintenance round runs: partitions ahead, retention, rollups. Default 5 min; 5 s to 1 h. Each round
    /// computes the minutes its new rows fall in and the hours that have settled since; queries read the raw rows
    /// newer than the rollups, so their answers do not lag behind.
    /// </summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far behind the clock a rollup round stops: rows whose <c>ingested_at</c> is more recent wait for the next
    /// round. <c>ingested_at</c> is the start of the transaction that wrote the row, which becomes visible only when it
    /// commits; a round that went up to the present would step over rows of a write still in progress and never come
    /// back for them. The writer's transactions take milliseconds to a few seconds. Default 1 min; 1 s to 1 h.
    /// </summary>
    public TimeSpan RollupMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Each setting within its bounds; then minute rollups kept no longer than raw results, hour rollups no shorter.
    /// The bounds are checked here rather than by <see cref="RangeAttribute"/>, whose generated check of a TimeSpan
    /// ignores its message: every failure names the setting by its configuration key, its bounds and the value given.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var outOfBounds = new[]
        {
            Bounds(nameof(Retention), Retention, TimeSpan.FromDays(1), TimeSpan.FromDays(3650)),
            Bounds(nameof(MinuteRollupRetention), MinuteRollupRetention, TimeSpan.FromDays(1), TimeSpan.FromDays(3650)),
            Bounds(nameof(HourRollupRetention), HourRollupRetention, TimeSpan.FromDays(1), TimeSpan.FromDays(3650)),
            Bounds(nameof(MaintenanceInterval), MaintenanceInterval, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1)),
            Bounds(nameof(RollupMargin), RollupMargin, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
        }.OfType<ValidationResult>().ToList();
        if (outOfBounds.Count > 0)
        {
            // The rules between settings would only repeat a bad value in other words.
            return outOfBounds;
        }

        var errors = new List<ValidationResult>();
        if (MinuteRollupRetention > Retention)
        {
            errors.Add(new ValidationResult(
                $"{Key(nameof(MinuteRollupRetention))} ({Text(MinuteRollupRetention)}) must not exceed {Key(nameof(Retention))} ({Text(Retention)}): where minute rollups are kept, the raw results they came from must be too",
                [nameof(MinuteRollupRetention)]));
        }

        if (HourRollupRetention < Retention)
        {
            errors.Add(new ValidationResult(
                $"{Key(nameof(HourRollupRetention))} ({Text(HourRollupRetention)}) must be at least {Key(nameof(Retention))} ({Text(Retention)}): hour rollups are what remains once raw results are dropped",
                [nameof(HourRollupRetention)]));
        }

        return errors;
    }

    private static ValidationResult? Bounds(string name, TimeSpan value, TimeSpan min, TimeSpan max) =>
        value >= min && value <= max
            ? null
            : new ValidationResult($"{Key(name)} must be from {Text(min)} to {Text(max)}, not {Text(value)}", [name]);

    private static string Key(string name) => $"{Section}:{name}";

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
