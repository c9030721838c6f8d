using System.ComponentModel.DataAnnotations;

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
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Sentinel:Storage:Retention must be from 1.00:00:00 to 3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long per-minute rollups are kept. Default 7 days; 1 day to <see cref="Retention"/>. For a check that runs
    /// every 60 s a minute holds one run, so its minute rollups are as many rows as its raw results (more, with one
    /// row per phase) and hold less: they earn their space for a week of incident reviews at minute grain, not longer.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Sentinel:Storage:MinuteRollupRetention must be from 1.00:00:00 to 3650.00:00:00")]
    public TimeSpan MinuteRollupRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long per-hour rollups are kept. Default 400 days (a year and a month, so a year-over-year comparison still
    /// has its whole month); <see cref="Retention"/> to 3,650 days.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Sentinel:Storage:HourRollupRetention must be from 1.00:00:00 to 3650.00:00:00")]
    public TimeSpan HourRollupRetention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>
    /// How often a maintenance round runs: partitions ahead, retention, rollups. Default 5 min; 5 s to 1 h. Each round
    /// recomputes the hours it touches from their raw rows, so rounds further apart cost less in all; queries read
    /// the raw rows newer than the rollups, so their answers do not lag behind.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00", ErrorMessage = "Sentinel:Storage:MaintenanceInterval must be from 00:00:05 to 01:00:00")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far behind the clock a rollup round stops: rows whose <c>ingested_at</c> is more recent wait for the next
    /// round. <c>ingested_at</c> is the start of the transaction that wrote the row, which becomes visible only when it
    /// commits; a round that went up to the present would step over rows of a write still in progress and never come
    /// back for them. The writer's transactions take milliseconds to a few seconds. Default 1 min; 1 s to 1 h.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sentinel:Storage:RollupMargin must be from 00:00:01 to 01:00:00")]
    public TimeSpan RollupMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Minute rollups are kept no longer than raw results, hour rollups no shorter.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinuteRollupRetention > Retention)
        {
            yield return new ValidationResult(
                $"Sentinel:Storage:MinuteRollupRetention ({MinuteRollupRetention}) must not exceed Sentinel:Storage:Retention ({Retention}): where minute rollups are kept, the raw results they came from must be too",
                [nameof(MinuteRollupRetention)]);
        }

        if (HourRollupRetention < Retention)
        {
            yield return new ValidationResult(
                $"Sentinel:Storage:HourRollupRetention ({HourRollupRetention}) must be at least Sentinel:Storage:Retention ({Retention}): hour rollups are what remains once raw results are dropped",
                [nameof(HourRollupRetention)]);
        }
    }
}
