using System.Text.Json;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Audits;

/// <summary>The optional security headers an audit can require (<c>securityHeaders</c>).</summary>
internal enum SecurityHeader
{
    /// <summary>X-Content-Type-Options: nosniff.</summary>
    Nosniff,

    /// <summary>A Content-Security-Policy.</summary>
    Csp,

    /// <summary>CSP frame-ancestors or X-Frame-Options.</summary>
    Framing,

    /// <summary>A Referrer-Policy.</summary>
    ReferrerPolicy,

    /// <summary>Secure, HttpOnly and SameSite on cookies set over HTTPS.</summary>
    Cookies,
}

/// <summary>
/// The settings of a header audit: the <c>audit</c> object of an http check, or the fields of a headers check's
/// section. Defaults: fail on critical findings, HSTS and CORS audited, no optional security header required,
/// posture drift tracked.
/// </summary>
internal sealed record AuditSettings : IHttpAudit
{
    public static readonly AuditSettings Default = new();

    private static readonly Dictionary<string, FindingSeverity> Severities = new(StringComparer.Ordinal)
    {
        ["info"] = FindingSeverity.Info,
        ["warning"] = FindingSeverity.Warning,
        ["critical"] = FindingSeverity.Critical,
    };

    private static readonly Dictionary<string, SecurityHeader> HeaderNames = new(StringComparer.Ordinal)
    {
        ["nosniff"] = SecurityHeader.Nosniff,
        ["csp"] = SecurityHeader.Csp,
        ["framing"] = SecurityHeader.Framing,
        ["referrerPolicy"] = SecurityHeader.ReferrerPolicy,
        ["cookies"] = SecurityHeader.Cookies,
    };

    /// <summary>The lowest severity that fails the check. Default critical; warnings below it degrade the result.</summary>
    public FindingSeverity FailOn { get; init; } = FindingSeverity.Critical;

    public HstsSettings Hsts { get; init; } = HstsSettings.Default;

    public CorsSettings Cors { get; init; } = CorsSettings.Default;

    /// <summary>The optional headers required. Default none.</summary>
    public IReadOnlySet<SecurityHeader> SecurityHeaders { get; init; } = new HashSet<SecurityHeader>();

    /// <summary>Per-id severity overrides; a null value turns the id off.</summary>
    public IReadOnlyDictionary<string, FindingSeverity?> Severity { get; init; } = new Dictionary<string, FindingSeverity?>();

    /// <summary>Whether a baseline posture is kept between runs and a weaker one reported (<c>posture.regressed</c>) until restored or accepted. Default true.</summary>
    public bool Posture { get; init; } = true;

    /// <summary>The member names <see cref="ReadMembers"/> reads.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["failOn", "hsts", "cors", "securityHeaders", "severity", "posture"];

    /// <summary>Runs the header audit with these settings after the exchange in <paramref name="run"/> (<see cref="HeaderAudit"/>).</summary>
    async Task<ProbeDetails> IHttpAudit.RunAsync(HttpAuditRun run, CancellationToken cancellationToken) =>
        await HeaderAudit.RunAsync(run, this, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads an <c>audit</c> object (and completes it).</summary>
    public static AuditSettings Read(JsonObjectReader reader)
    {
        var settings = ReadMembers(reader);
        reader.Complete();
        return settings;
    }

    /// <summary>Reads the audit members of <paramref name="reader"/>; the caller completes the object.</summary>
    public static AuditSettings ReadMembers(JsonObjectReader reader) => new()
    {
        FailOn = reader.Choice("failOn", Severities) ?? FindingSeverity.Critical,
        Hsts = reader.Object("hsts") is { } hsts ? HstsSettings.Read(hsts) : HstsSettings.Default,
        Cors = reader.Object("cors") is { } cors ? CorsSettings.Read(cors) : CorsSettings.Default,
        SecurityHeaders = ReadSecurityHeaders(reader),
        Severity = ReadSeverity(reader),
        Posture = reader.Boolean("posture") ?? true,
    };

    /// <summary>The severity a finding of <paramref name="id"/> gets: the check's override, else <paramref name="natural"/>; null when off.</summary>
    public FindingSeverity? SeverityOf(string id, FindingSeverity natural) =>
        Severity.TryGetValue(id, out var overridden) ? overridden : natural;

    private static HashSet<SecurityHeader> ReadSecurityHeaders(JsonObjectReader reader)
    {
        var result = new HashSet<SecurityHeader>();
        foreach (var (item, path) in reader.Array("securityHeaders", HeaderNames.Count) ?? [])
        {
            if (item.ValueKind == JsonValueKind.String && HeaderNames.TryGetValue(item.GetString()!, out var header))
            {
                if (!result.Add(header))
                {
                    reader.ErrorAt(path, $"\"{item.GetString()}\" is listed twice");
                }
            }
            else
            {
                reader.ErrorAt(path, $"expected one of {string.Join(", ", HeaderNames.Keys.Select(k => $"\"{k}\""))}, got {JsonObjectReader.Describe(item)}");
            }
        }

        return result;
    }

    private static Dictionary<string, FindingSeverity?> ReadSeverity(JsonObjectReader reader)
    {
        var result = new Dictionary<string, FindingSeverity?>(StringComparer.Ordinal);
        if (reader.StringMap("severity", AuditIds.All.Count, 16) is not { } map)
        {
            return result;
        }

        var path = JsonPath.Member(reader.Path, "severity");
        foreach (var (id, level) in map)
        {
            if (!AuditIds.IsKnown(id))
            {
                var near = AuditIds.All.Select(i => i.Id).Where(i => i.Split('.')[0] == id.Split('.')[0]).ToList();
                reader.ErrorAt(JsonPath.Member(path, id), $"unknown finding id; expected one of: {string.Join(", ", near.Count > 0 ? near : AuditIds.All.Select(i => i.Id))}");
            }
            else if (level == "off")
            {
                result[id] = null;
            }
            else if (Severities.TryGetValue(level, out var severity))
            {
                result[id] = severity;
            }
            else
            {
                reader.ErrorAt(JsonPath.Member(path, id), $"expected \"info\", \"warning\", \"critical\" or \"off\", got \"{level}\"");
            }
        }

        return result;
    }
}
