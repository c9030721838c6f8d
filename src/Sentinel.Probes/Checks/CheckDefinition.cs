namespace Sentinel.Probes.Checks;

/// <summary>
/// A check as defined in JSON (format v1): what to probe, how often, and what must hold. Built only by
/// <see cref="CheckParser"/>, so an instance is always valid.
/// </summary>
public sealed record CheckDefinition
{
    /// <summary>The stable id, a slug such as <c>payments-api-https</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A human name; defaults to the id.</summary>
    public required string Name { get; init; }

    /// <summary>The probe type, e.g. <c>tcp</c>.</summary>
    public required string Type { get; init; }

    /// <summary>What to probe, in the type's notation (<c>host:port</c> for tcp).</summary>
    public required string Target { get; init; }

    /// <summary>How often the check runs. Default 60 s, from 1 s to 24 h.</summary>
    public TimeSpan Interval { get; init; } = CheckLimits.DefaultInterval;

    /// <summary>The deadline of one run; always below <see cref="Interval"/>. Default: the smaller of 10 s and 80 % of the interval.</summary>
    public TimeSpan Timeout { get; init; } = CheckLimits.DefaultTimeout;

    /// <summary>Whether the check is scheduled. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>A free-text description.</summary>
    public string? Description { get; init; }

    /// <summary>Labels for grouping (team, env); keys are Prometheus label names.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// A DNS server (<c>host[:port]</c>) that resolves the target's host name instead of the system resolver.
    /// </summary>
    public string? Resolver { get; init; }

    /// <summary>Which address family of the target to use. Default <see cref="IpVersion.Any"/>.</summary>
    public IpVersion IpVersion { get; init; } = IpVersion.Any;

    /// <summary>The type-specific settings (the member named after the type, e.g. <c>"tcp": { … }</c>).</summary>
    public CheckSection? Section { get; init; }

    /// <summary>Assertions on measurements, evaluated after the probe.</summary>
    public IReadOnlyList<Assertion> Assertions { get; init; } = [];

    /// <summary>When the check's failures alert, and whom; <see cref="AlertRule.Defaults"/> unless the check says otherwise.</summary>
    public AlertRule Alert { get; init; } = AlertRule.Defaults;

    /// <summary>The type-specific settings as <typeparamref name="T"/>, or null when the check has none.</summary>
    public T? SectionAs<T>()
        where T : CheckSection => Section as T;
}

/// <summary>The base of each type's settings section.</summary>
public abstract record CheckSection;

/// <summary>Which address family a probe uses when the target's name has both.</summary>
public enum IpVersion
{
    /// <summary>The first address the resolver returns.</summary>
    Any,

    /// <summary>IPv4 only.</summary>
    V4,

    /// <summary>IPv6 only.</summary>
    V6,
}

/// <summary>Bounds and defaults of the check format.</summary>
public static class CheckLimits
{
    /// <summary>The default interval: 60 s.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(60);

    /// <summary>The default timeout: 10 s, unless that is not below the interval.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The shortest interval: 1 s.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest interval: 24 h.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(24);

    /// <summary>The shortest timeout: 100 ms.</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest timeout: 10 min.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The largest check file read: 1 MiB.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The most checks one file may hold.</summary>
    public const int MaxChecksPerFile = 1000;

    /// <summary>The most labels a check may carry.</summary>
    public const int MaxLabels = 32;

    /// <summary>The default timeout for an interval: the smaller of 10 s and 80 % of it.</summary>
    public static TimeSpan DefaultTimeoutFor(TimeSpan interval) =>
        DefaultTimeout < interval * 0.8 ? DefaultTimeout : interval * 0.8;
}
