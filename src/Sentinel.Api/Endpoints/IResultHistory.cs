using System.Text.Json.Serialization;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// What is stored of the checks' runs: every check's latest state, a check's results over a time range at a resolution
/// fit for the range's length, and its uptime. The worker implements it over PostgreSQL (<c>check_latest</c>, raw results
/// and their per-minute and per-hour rollups), so every node answers the same. Times are UTC; ranges are half-open,
/// [from, to); durations are milliseconds.
/// </summary>
public interface IResultHistory
{
    /// <summary>
    /// Every check (enabled or not), ordered by id, with its latest stored run, or none for a check that has not run
    /// yet. The runs of checks that were removed are left out.
    /// </summary>
    Task<IReadOnlyList<CheckLatest>> GetLatestAsync(CancellationToken cancellationToken = default);

    /// <summary>The check <paramref name="check"/> with its latest stored run, as <see cref="GetLatestAsync(CancellationToken)"/> lists it; null when no check has the id.</summary>
    Task<CheckLatest?> GetLatestAsync(string check, CancellationToken cancellationToken = default);

    /// <summary>
    /// The results of <paramref name="check"/> in [<paramref name="from"/>, <paramref name="before"/>), oldest first. Without
    /// <paramref name="resolution"/>, it is chosen by the range's length: raw results up to 6 hours, minute buckets up to
    /// 24 hours, hour buckets beyond. A resolution whose data no longer reaches back to <paramref name="from"/> (past its
    /// retention) gives way to the next coarser one; the answer says which was used. At most <paramref name="limit"/>
    /// results or buckets are returned (default 2,000; 1 to 10,000); when there are more, <see cref="ResultHistoryPage.Next"/>
    /// is where the next page starts.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="from"/> is not before <paramref name="before"/>, or the limit is out of bounds.</exception>
    Task<ResultHistoryPage> GetHistoryAsync(string check, DateTimeOffset from, DateTimeOffset before, HistoryResolution? resolution = null, int? limit = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// The share of <paramref name="check"/>'s runs in [<paramref name="from"/>, <paramref name="before"/>) that were up or
    /// degraded, of those whose state was known (unknown runs, Sentinel's own faults, are left out). Exact to the run at
    /// both ends of the range, including runs not rolled up yet.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="from"/> is not before <paramref name="before"/>.</exception>
    Task<CheckUptime> GetUptimeAsync(string check, DateTimeOffset from, DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>
    /// The uptime of each of <paramref name="checks"/> over the same range, in their order, as <see cref="GetUptimeAsync(string, DateTimeOffset, DateTimeOffset, CancellationToken)"/>
    /// counts it, read in one query for all of them (a status page's window for a whole fleet).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="from"/> is not before <paramref name="before"/>.</exception>
    Task<IReadOnlyList<CheckUptime>> GetUptimeAsync(IReadOnlyList<string> checks, DateTimeOffset from, DateTimeOffset before, CancellationToken cancellationToken = default);
}

/// <summary>A check and its latest stored run.</summary>
/// <param name="Check">The check's id.</param>
/// <param name="Name">The check's name.</param>
/// <param name="Type">The check's type (dns, tcp, http, tls, headers, icmp, path).</param>
/// <param name="Target">What the check probes.</param>
/// <param name="Enabled">Whether the check is scheduled.</param>
/// <param name="Latest">Its newest run, whichever node ran it; null when none is stored yet.</param>
public sealed record CheckLatest(string Check, string Name, string Type, string Target, bool Enabled, HistoryRun? Latest)
{
    /// <summary>The check's labels (<c>team</c>: <c>payments</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Since when the check has had the status of its latest run: the first run of that status after a run of another; null before the first run.</summary>
    public DateTimeOffset? StatusSince { get; init; }

    /// <summary>
    /// The last failure (a run that was down or unknown): the latest run when it failed, otherwise the run just before the
    /// current state began when that one failed; null when neither did.
    /// </summary>
    public CheckFailure? LastFailure { get; init; }

    /// <summary>When the certificate the latest run saw (tls, https and headers checks) expires, from its days left at that run; null without one.</summary>
    public DateTimeOffset? CertificateExpiresAt { get; init; }
}

/// <summary>A failed run: why it failed and what a person can do about it.</summary>
/// <param name="At">When the run started.</param>
/// <param name="Status"><c>down</c>, or <c>unknown</c> (Sentinel could not tell).</param>
/// <param name="Layer">The failure's layer (dns, tcp, tls, http, assertion).</param>
/// <param name="Category">The failure's stable category (<c>tcp_refused</c>, <c>tls_expired</c>, …).</param>
/// <param name="Message">The failure's one-line message.</param>
/// <param name="Hint">What to look at, when the probe had a hint.</param>
public sealed record CheckFailure(DateTimeOffset At, string Status, string? Layer, string? Category, string? Message, string? Hint);

/// <summary>What one point of a history stands for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HistoryResolution>))]
public enum HistoryResolution
{
    /// <summary>One run per point, as stored.</summary>
    [JsonStringEnumMemberName("raw")]
    Raw,

    /// <summary>The runs of one UTC minute per point.</summary>
    [JsonStringEnumMemberName("minute")]
    Minute,

    /// <summary>The runs of one UTC hour per point.</summary>
    [JsonStringEnumMemberName("hour")]
    Hour,
}

/// <summary>A page of a check's history.</summary>
/// <param name="Check">The check's id.</param>
/// <param name="From">The range's start, as asked.</param>
/// <param name="To">The range's end (exclusive), as asked.</param>
/// <param name="Resolution">The resolution of the points.</param>
/// <param name="Runs">With <see cref="HistoryResolution.Raw"/>: the runs, oldest first; otherwise null.</param>
/// <param name="Buckets">With minute or hour resolution: the buckets that have runs and overlap the range, oldest first; otherwise null.</param>
/// <param name="Next">When the page was cut at its limit: where the next page starts (pass it as the next <c>from</c>); otherwise null.</param>
public sealed record ResultHistoryPage(
    string Check,
    DateTimeOffset From,
    DateTimeOffset To,
    HistoryResolution Resolution,
    IReadOnlyList<HistoryRun>? Runs,
    IReadOnlyList<HistoryBucket>? Buckets,
    DateTimeOffset? Next);

/// <summary>One run of a check, as stored (the heavy parts — problems, findings, details — are not repeated here).</summary>
/// <param name="Id">The result's id (a UUID version 7).</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="Status">up, degraded, down or unknown.</param>
/// <param name="DurationMs">The whole run.</param>
/// <param name="PhasesMs">Each phase the run timed (resolve, connect, tls, …).</param>
/// <param name="FailureLayer">The failure's layer (dns, tcp, tls, http, assertion), when it failed.</param>
/// <param name="FailureCategory">The failure's stable category, when it failed.</param>
/// <param name="FailureMessage">The failure's one-line message, when it failed.</param>
/// <param name="Node">The node that ran it.</param>
/// <param name="ScheduledAt">
/// The fire time the scheduler planned the run for (the run started its lag after it); null for a run asked for at once,
/// and for runs stored before Sentinel kept it.
/// </param>
public sealed record HistoryRun(
    Guid Id,
    DateTimeOffset StartedAt,
    string Status,
    double DurationMs,
    IReadOnlyDictionary<string, double> PhasesMs,
    string? FailureLayer,
    string? FailureCategory,
    string? FailureMessage,
    string Node,
    DateTimeOffset? ScheduledAt = null);

/// <summary>The runs of a check in one minute or hour.</summary>
/// <param name="Start">The bucket's first instant.</param>
/// <param name="Runs">Runs in the bucket.</param>
/// <param name="Up">Runs that were up.</param>
/// <param name="Degraded">Runs that were degraded (up, with a warning).</param>
/// <param name="Down">Runs that failed.</param>
/// <param name="Unknown">Runs whose state Sentinel could not tell.</param>
/// <param name="Duration">The whole runs' durations.</param>
/// <param name="Phases">Each phase's durations, over the runs that timed it.</param>
public sealed record HistoryBucket(
    DateTimeOffset Start,
    int Runs,
    int Up,
    int Degraded,
    int Down,
    int Unknown,
    DurationStats Duration,
    IReadOnlyDictionary<string, DurationStats> Phases);

/// <summary>Durations of the runs of a bucket, in milliseconds.</summary>
/// <param name="Runs">How many runs they are taken over.</param>
/// <param name="MinMs">The shortest.</param>
/// <param name="AvgMs">The mean.</param>
/// <param name="MaxMs">The longest.</param>
/// <param name="P95Ms">The 95th percentile, interpolated between the two nearest runs.</param>
public sealed record DurationStats(int Runs, double MinMs, double AvgMs, double MaxMs, double P95Ms);

/// <summary>A check's uptime over a range.</summary>
/// <param name="Check">The check's id.</param>
/// <param name="From">The range's start.</param>
/// <param name="To">The range's end (exclusive).</param>
/// <param name="Runs">Runs in the range.</param>
/// <param name="Up">Runs that were up.</param>
/// <param name="Degraded">Runs that were degraded; they count as up.</param>
/// <param name="Down">Runs that failed.</param>
/// <param name="Unknown">Runs whose state was unknown; they count neither way.</param>
/// <param name="Ratio">(up + degraded) / (runs − unknown), from 0 to 1; null when no run's state is known.</param>
public sealed record CheckUptime(
    string Check,
    DateTimeOffset From,
    DateTimeOffset To,
    long Runs,
    long Up,
    long Degraded,
    long Down,
    long Unknown,
    double? Ratio);
