namespace Sentinel.Probes.Checks;

/// <summary>
/// A check's <c>alert</c> block: when its failures page someone and whom. Every field is optional; what a check leaves
/// out comes from the host's alerting defaults (<c>Sentinel:Alerting:Defaults</c>), so a check without the block alerts
/// with the defaults, and <c>"alert": false</c> (<see cref="Off"/>) turns alerting off for the check.
/// </summary>
public sealed record AlertRule
{
    /// <summary>No block, or <c>"alert": true</c>: alert with the defaults.</summary>
    public static AlertRule Defaults { get; } = new();

    /// <summary><c>"alert": false</c>: this check never alerts.</summary>
    public static AlertRule Off { get; } = new() { Enabled = false };

    /// <summary>Whether the check alerts at all. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Fire when this many of the last <see cref="Within"/> results failed; 1 to 100.</summary>
    public int? After { get; init; }

    /// <summary>How many of the latest results <see cref="After"/> counts in; at least <see cref="After"/>, at most 100. Default <see cref="After"/> (consecutive failures).</summary>
    public int? Within { get; init; }

    /// <summary>Resolve after this many consecutive passes; 1 to 100.</summary>
    public int? ResolveAfter { get; init; }

    /// <summary>Remind at this wall-clock interval while firing; <see cref="TimeSpan.Zero"/> never reminds. 1 min to 30 days.</summary>
    public TimeSpan? Repeat { get; init; }

    /// <summary>How loud the alert is; a degraded result counts toward a <see cref="AlertSeverity.Warning"/> alert only.</summary>
    public AlertSeverity? Severity { get; init; }

    /// <summary>The channels notified, by the names the host's configuration gives them.</summary>
    public IReadOnlyList<string>? Notify { get; init; }
}

/// <summary>How loud an alert is.</summary>
public enum AlertSeverity
{
    /// <summary>Someone must act now; only down results count.</summary>
    Critical,

    /// <summary>Worth a look; down and degraded results count.</summary>
    Warning,
}

/// <summary>Bounds of the <c>alert</c> block, shared by the check format and the host's alerting defaults.</summary>
public static class AlertLimits
{
    /// <summary>The most results a rule can count over (<c>after</c>, <c>within</c>, <c>resolveAfter</c>): 100.</summary>
    public const int MaxRuns = 100;

    /// <summary>The most channels one rule notifies: 16.</summary>
    public const int MaxChannels = 16;

    /// <summary>The shortest reminder interval: 1 min.</summary>
    public static readonly TimeSpan MinRepeat = TimeSpan.FromMinutes(1);

    /// <summary>The longest reminder interval: 30 days.</summary>
    public static readonly TimeSpan MaxRepeat = TimeSpan.FromDays(30);

    /// <summary>The severities by the names check files and the configuration write.</summary>
    public static IReadOnlyDictionary<string, AlertSeverity> Severities { get; } = new Dictionary<string, AlertSeverity>(StringComparer.Ordinal)
    {
        ["critical"] = AlertSeverity.Critical,
        ["warning"] = AlertSeverity.Warning,
    };

    /// <summary>The name of a severity as check files write it.</summary>
    public static string Name(AlertSeverity severity) => severity == AlertSeverity.Warning ? "warning" : "critical";

    /// <summary>
    /// Parses a reminder interval: <c>"0"</c> (or <c>"0s"</c>) for never, else a duration from <see cref="MinRepeat"/> to
    /// <see cref="MaxRepeat"/>. Returns an error message, or null with the interval in <paramref name="repeat"/>.
    /// </summary>
    public static string? ParseRepeat(string? text, out TimeSpan repeat)
    {
        repeat = TimeSpan.Zero;
        if (text is "0")
        {
            return null;
        }

        if (!Duration.TryParse(text, out repeat))
        {
            return $"expected a duration such as \"4h\", or \"0\" for never, got \"{text}\"";
        }

        if (repeat != TimeSpan.Zero && (repeat < MinRepeat || repeat > MaxRepeat))
        {
            return $"must be \"0\" (never) or from {Duration.Format(MinRepeat)} to {Duration.Format(MaxRepeat)}, got \"{text}\"";
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="name"/> is not one of <paramref name="known"/> channels, or null when it is.
    /// </summary>
    public static string? UnknownChannel(string name, IReadOnlyCollection<string> known) =>
        known.Contains(name, StringComparer.Ordinal) ? null
        : known.Count == 0 ? $"unknown channel \"{name}\"; no channels are configured (Sentinel:Alerting:Channels)"
        : $"unknown channel \"{name}\"; known channels: {string.Join(", ", known.Order(StringComparer.Ordinal))}";
}
