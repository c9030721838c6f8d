namespace Sentinel.Api.Endpoints;

/// <summary>Alert state as every node shares it: the worker implements it over the <c>alerts</c> table, which <c>sentinel alerts</c> reads too.</summary>
public interface IAlertStore
{
    /// <summary>The alerts that are not <c>ok</c> and pass <paramref name="query"/>'s filters: firing first, then the most recently changed.</summary>
    Task<IReadOnlyList<AlertRecord>> ListAsync(AlertQuery query, CancellationToken cancellationToken);
}

/// <summary>Which alerts to list.</summary>
/// <param name="Limit">How many at most (1–500).</param>
/// <param name="State">Only this state: <c>pending</c>, <c>firing</c> or <c>resolved</c>.</param>
/// <param name="Kind">Only this kind: <c>check_failing</c>, <c>certificate_expiring</c>, <c>sentinel_blind</c>, <c>dns_drift</c>, <c>header_drift</c>.</param>
/// <param name="Check">Only alerts about this check: its own, and those of the certificate it serves.</param>
public sealed record AlertQuery(int Limit, string? State = null, string? Kind = null, string? Check = null)
{
    /// <summary>The states an alert that is not <c>ok</c> can be in.</summary>
    public static readonly IReadOnlyList<string> States = ["pending", "firing", "resolved"];

    /// <summary>The kinds of alert.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["check_failing", "certificate_expiring", "sentinel_blind", "dns_drift", "header_drift"];
}

/// <summary>An alert as the API shows it.</summary>
/// <param name="Id">The alert's id.</param>
/// <param name="Kind">What it is about: <c>check_failing</c>, <c>certificate_expiring</c>, <c>sentinel_blind</c>, …</param>
/// <param name="Key">The check id, the node name, or the certificate's SHA-256 fingerprint.</param>
/// <param name="Title">How people name it: the check's name, the certificate's subject.</param>
/// <param name="Severity"><c>critical</c> or <c>warning</c>.</param>
/// <param name="State"><c>pending</c>, <c>firing</c> or <c>resolved</c>.</param>
/// <param name="Since">When the state began; for a firing check, when its failures began.</param>
/// <param name="Reason">The failure category that made it fire.</param>
/// <param name="LastNotifiedAt">When a notification was last queued for it.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record AlertRecord(
    long Id, string Kind, string Key, string Title, string Severity, string State, DateTimeOffset Since, string? Reason, DateTimeOffset? LastNotifiedAt, DateTimeOffset UpdatedAt);

/// <summary>A list of alerts.</summary>
/// <param name="Items">Firing first, then the most recently changed.</param>
public sealed record AlertList(IReadOnlyList<AlertRecord> Items);
