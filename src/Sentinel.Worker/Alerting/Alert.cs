namespace Sentinel.Worker.Alerting;

/// <summary>What an alert is about; the names are those of the <c>alerts.kind</c> column and of metric labels.</summary>
internal static class AlertKinds
{
    /// <summary>A check failed <c>after</c> of its last <c>within</c> results.</summary>
    public const string CheckFailing = "check_failing";

    /// <summary>More than half of a node's results in 5 minutes were <c>unknown</c>: Sentinel cannot see.</summary>
    public const string SentinelBlind = "sentinel_blind";

    /// <summary>A certificate (by the SHA-256 fingerprint of its leaf) nears the end of its chain's validity.</summary>
    public const string CertificateExpiring = "certificate_expiring";

    /// <summary>A dns check's answer differs from its baseline (one per check and record type).</summary>
    public const string DnsDrift = "dns_drift";

    /// <summary>A headers or https check's header posture is weaker than its baseline.</summary>
    public const string HeaderDrift = "header_drift";

    /// <summary>Every kind, as <c>sentinel_alerts_firing</c> exports them.</summary>
    public static readonly string[] All = [CheckFailing, SentinelBlind, CertificateExpiring, DnsDrift, HeaderDrift];
}

/// <summary>Where an alert stands; the names are those of the <c>alerts.state</c> column.</summary>
internal enum AlertState
{
    /// <summary>Nothing wrong.</summary>
    Ok,

    /// <summary>Failures seen, not yet enough to fire.</summary>
    Pending,

    /// <summary>Fired; someone was told.</summary>
    Firing,

    /// <summary>Fired, and then passed again; someone was told that too.</summary>
    Resolved,
}

/// <summary>What a notification says happened.</summary>
internal enum AlertEvent
{
    /// <summary>The alert fired.</summary>
    Firing,

    /// <summary>The alert resolved.</summary>
    Resolved,

    /// <summary>The alert still fires (<c>repeat</c>).</summary>
    Reminder,
}

/// <summary>One row of <c>alerts</c>: an alert's state and what its evaluation remembers.</summary>
internal sealed record Alert
{
    public long Id { get; init; }

    public required string Kind { get; init; }

    public required string Key { get; init; }

    public required string Title { get; init; }

    public required string Severity { get; init; }

    public AlertState State { get; init; }

    /// <summary>When the state began; for a firing check, when its failures began.</summary>
    public DateTimeOffset Since { get; init; }

    /// <summary>How many changes notified so far.</summary>
    public long Sequence { get; init; }

    /// <summary>The latest counted outcomes, oldest first: <c>F</c> failed, <c>P</c> passed; at most <see cref="Probes.Checks.AlertLimits.MaxRuns"/>.</summary>
    public string Recent { get; init; } = string.Empty;

    public Guid? LastResultId { get; init; }

    public DateTimeOffset? LastResultAt { get; init; }

    public Guid? TriggerResultId { get; init; }

    /// <summary>The failure category that made it fire.</summary>
    public string? Reason { get; init; }

    public DateTimeOffset? LastNotifiedAt { get; init; }

    /// <summary>What else the kind remembers: for a certificate, the thresholds already notified.</summary>
    public string Memory { get; init; } = string.Empty;

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The state's name as stored.</summary>
    public static string Name(AlertState state) => state switch
    {
        AlertState.Pending => "pending",
        AlertState.Firing => "firing",
        AlertState.Resolved => "resolved",
        _ => "ok",
    };

    /// <summary>The state named as stored.</summary>
    public static AlertState Parse(string state) => state switch
    {
        "pending" => AlertState.Pending,
        "firing" => AlertState.Firing,
        "resolved" => AlertState.Resolved,
        _ => AlertState.Ok,
    };

    /// <summary>The event's name as stored.</summary>
    public static string Name(AlertEvent @event) => @event switch
    {
        AlertEvent.Resolved => "resolved",
        AlertEvent.Reminder => "reminder",
        _ => "firing",
    };
}

/// <summary>A rendered notification: the email's subject and parts, and the webhook's JSON body.</summary>
internal sealed record AlertMessage(string Subject, string Text, string Html, string Json);

/// <summary>An alert's new row and the notification its change sends (null when it sends none).</summary>
internal sealed record AlertDecision(Alert Next, AlertEvent? Event);
