using Sentinel.Probes.Audits;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Headers;

/// <summary>
/// The settings of a <c>headers</c> check: every field of an <c>http</c> section (how the target is fetched: request
/// headers such as a session cookie, expected statuses, redirects, TLS, proxy) plus the audit's fields at the same
/// level (<c>failOn</c>, <c>hsts</c>, <c>cors</c>, <c>securityHeaders</c>, <c>severity</c>, <c>posture</c>). Without a
/// section, the target is fetched as an http check does by default and audited with the default settings.
/// </summary>
internal sealed record HeadersSection : CheckSection
{
    public static readonly HeadersSection Default = new() { Http = HttpSection.Default, Audit = AuditSettings.Default };

    /// <summary>How the target is fetched.</summary>
    public required HttpSection Http { get; init; }

    /// <summary>What the audit checks and how its findings weigh.</summary>
    public required AuditSettings Audit { get; init; }

    public static CheckSection? Read(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return Default;
        }

        if (reader.Has("audit"))
        {
            reader.Error("audit", "a headers check has its audit settings (failOn, hsts, cors, securityHeaders, severity, posture) directly in its section");
        }

        // The audit members first, so that the http reader (which completes the object) knows them. The http reader
        // still reads an "audit" object, refused above, so that what is wrong inside it is reported too.
        var audit = AuditSettings.ReadMembers(reader);
        var http = (HttpSection)HttpSection.Read(reader, AuditSettings.Read)!;
        return new HeadersSection { Http = http, Audit = audit };
    }
}
