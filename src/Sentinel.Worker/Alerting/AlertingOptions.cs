namespace Sentinel.Worker.Alerting;

/// <summary>
/// Alerting (section <c>Sentinel:Alerting</c>): where notifications go and the defaults of every check's <c>alert</c>
/// block. Validated at start-up by <see cref="AlertingConfiguration"/>, which reports every problem, each naming its
/// setting; secrets (<c>Smtp:Password</c>, a webhook's <c>Secret</c>) never appear in a message or a log.
/// </summary>
internal sealed class AlertingOptions
{
    public const string Section = "Sentinel:Alerting";

    /// <summary>Sentinel's address as people reach it (e.g. <c>https://sentinel.example.com</c>); messages link <c>{PublicUrl}/checks/{id}</c>. Default: no link.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>The mail server email channels send through.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Where notifications go, by name: the names checks list in <c>alert.notify</c>.</summary>
    public Dictionary<string, ChannelOptions> Channels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The fields of a check's <c>alert</c> block that the check leaves out.</summary>
    public AlertDefaultsOptions Defaults { get; set; } = new();

    /// <summary>Certificate expiry alerts.</summary>
    public CertificateAlertOptions Certificates { get; set; } = new();

    /// <summary>DNS drift alerts.</summary>
    public DnsAlertOptions Dns { get; set; } = new();
}

/// <summary>The SMTP server (<c>Sentinel:Alerting:Smtp</c>).</summary>
internal sealed class SmtpOptions
{
    /// <summary>The server's host name or address; required when an email channel exists.</summary>
    public string? Host { get; set; }

    /// <summary>The server's port; default 25 with <c>None</c>, 587 with <c>StartTls</c>, 465 with <c>Tls</c>.</summary>
    public int? Port { get; set; }

    /// <summary><c>None</c>, <c>StartTls</c> (default; upgrade required) or <c>Tls</c> (implicit TLS).</summary>
    public string Security { get; set; } = "StartTls";

    /// <summary>The user for SMTP AUTH; with <see cref="Password"/>, or neither.</summary>
    public string? Username { get; set; }

    /// <summary>The password for SMTP AUTH. A secret: never logged.</summary>
    public string? Password { get; set; }

    /// <summary>The sender address, e.g. <c>Sentinel &lt;sentinel@example.com&gt;</c>; required when an email channel exists.</summary>
    public string? From { get; set; }

    /// <summary>
    /// A PEM file of the CA certificates that sign the server's certificate (a private relay), trusted instead of the
    /// system store, as a check's <c>tls.caFile</c>; with <c>StartTls</c> or <c>Tls</c> only. Default: the system trust store.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>The port <see cref="Port"/> or the default of <see cref="Security"/>.</summary>
    public int EffectivePort => Port ?? Security switch
    {
        "None" => 25,
        "Tls" => 465,
        _ => 587,
    };
}

/// <summary>One channel (<c>Sentinel:Alerting:Channels:NAME</c>).</summary>
internal sealed class ChannelOptions
{
    /// <summary><c>email</c> or <c>webhook</c>.</summary>
    public string? Type { get; set; }

    /// <summary>An email channel's recipients.</summary>
    public List<string> To { get; set; } = [];

    /// <summary>A webhook channel's http:// or https:// URL.</summary>
    public string? Url { get; set; }

    /// <summary>A webhook channel's HMAC-SHA256 key, at least 16 characters. A secret: never logged.</summary>
    public string? Secret { get; set; }
}

/// <summary>The defaults of every check's <c>alert</c> block (<c>Sentinel:Alerting:Defaults</c>).</summary>
internal sealed class AlertDefaultsOptions
{
    /// <summary>Fire after this many failed results; default 3, 1 to 100.</summary>
    public int After { get; set; } = 3;

    /// <summary>Counted in the last this many results; default <see cref="After"/> (consecutive), up to 100.</summary>
    public int? Within { get; set; }

    /// <summary>Resolve after this many consecutive passes; default 1, 1 to 100.</summary>
    public int ResolveAfter { get; set; } = 1;

    /// <summary>Reminder interval while firing; default "0" (never), else 1m to 30d.</summary>
    public string Repeat { get; set; } = "0";

    /// <summary><c>critical</c> (default) or <c>warning</c>.</summary>
    public string Severity { get; set; } = "critical";

    /// <summary>Channels notified by default; default none (alerts are recorded and listed, not sent).</summary>
    public List<string> Notify { get; set; } = [];
}

/// <summary>Certificate expiry alerts (<c>Sentinel:Alerting:Certificates</c>).</summary>
internal sealed class CertificateAlertOptions
{
    /// <summary>Warn when this few days are left; each threshold once. Default 30, 14, 7, 1.</summary>
    public List<int> Days { get; set; } = [];

    /// <summary>Also warn when less than this fraction of the certificate's own lifetime is left; default 0.33, above 0 and below 1.</summary>
    public double LifetimeFraction { get; set; } = 0.33;

    /// <summary>Channels notified; default the <see cref="AlertDefaultsOptions.Notify"/> channels.</summary>
    public List<string>? Notify { get; set; }

    /// <summary>The thresholds in force: <see cref="Days"/>, or 30, 14, 7, 1 when none are configured.</summary>
    public IReadOnlyList<int> EffectiveDays => Days.Count > 0 ? Days.Distinct().OrderDescending().ToList() : [30, 14, 7, 1];
}

/// <summary>DNS drift alerts (<c>Sentinel:Alerting:Dns</c>).</summary>
internal sealed class DnsAlertOptions
{
    /// <summary>Channels notified; default the <see cref="AlertDefaultsOptions.Notify"/> channels.</summary>
    public List<string>? Notify { get; set; }
}
