using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Tls;

/// <summary>
/// The settings of a <c>tls</c> check (the <c>"tls": { … }</c> member): the TLS client settings every TLS-speaking
/// check shares (<see cref="TlsSettings"/>), a STARTTLS upgrade, and the <c>tlsVersions</c> audit.
/// </summary>
internal sealed record TlsSection : CheckSection
{
    /// <summary>The section of a check without one.</summary>
    public static readonly TlsSection Default = new();

    /// <summary>Server name, trust, client certificate and expiry threshold.</summary>
    public TlsSettings Settings { get; init; } = TlsSettings.Default;

    /// <summary>The plain-text protocol to upgrade from before the handshake, or null to start with TLS.</summary>
    public StartTlsProtocol? StartTls { get; init; }

    /// <summary>Whether to find out which of TLS 1.0 to 1.3 the server accepts (one more connection per version).</summary>
    public bool AuditVersions { get; init; }

    /// <summary>The member names the section accepts (the schema test compares them with check.schema.json).</summary>
    public static IReadOnlyList<string> MemberNames { get; } = [.. TlsSettings.MemberNames, "starttls", "tlsVersions"];

    public static CheckSection? Read(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return Default;
        }

        var section = new TlsSection
        {
            Settings = TlsSettings.ReadMembers(reader),
            StartTls = reader.Choice("starttls", Tls.StartTls.Names),
            AuditVersions = reader.Boolean("tlsVersions") ?? false,
        };
        reader.Complete();
        return section;
    }
}
