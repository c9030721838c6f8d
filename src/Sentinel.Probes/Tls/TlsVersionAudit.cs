using System.Net;
using System.Net.Security;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Tls;

/// <summary>Whether the server accepted one TLS version, and how it answered.</summary>
/// <param name="Version">The version offered, e.g. <c>TLS 1.1</c>.</param>
/// <param name="Accepted">Whether the server chose it; null when the answer could not be had (deadline, connection).</param>
/// <param name="Detail">The cipher suite it chose, the alert it sent, or why there is no answer.</param>
internal sealed record VersionOutcome(string Version, bool? Accepted, string Detail);

/// <summary>
/// The <c>tlsVersions</c> audit: one new connection per version from TLS 1.0 to TLS 1.3, each offering only that
/// version in a hand-written ClientHello (<see cref="TlsHelloExchange"/>), so the answer is the server's and not limited by
/// what the local OpenSSL is willing to speak. TLS 1.0 and 1.1 still accepted are flagged (RFC 8996 deprecates
/// them); <c>tls.versions_accepted</c> lists what was accepted, for assertions.
/// </summary>
internal static class TlsVersionAudit
{
    /// <summary>The finding for TLS 1.0 or 1.1 still accepted.</summary>
    public const string LegacyFinding = "tls.legacy_version_accepted";

    /// <summary>The measurement of the versions the server accepted (<c>["TLS 1.2", "TLS 1.3"]</c>).</summary>
    public const string VersionsAccepted = "tls.versions_accepted";

    private static readonly (ushort Wire, string Name)[] Versions = [(0x0301, "TLS 1.0"), (0x0302, "TLS 1.1"), (0x0303, "TLS 1.2"), (0x0304, "TLS 1.3")];

    /// <summary>Offers each version in turn; stops at the deadline, leaving the rest unanswered.</summary>
    public static async ValueTask<IReadOnlyList<VersionOutcome>> RunAsync(
        IPEndPoint remote, StartTlsProtocol? startTls, string? serverName, string target, CancellationToken cancellationToken)
    {
        var upgrade = StartTls.Upgrade(startTls, target);
        var outcomes = new List<VersionOutcome>();
        foreach (var (wire, name) in Versions)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                outcomes.Add(new VersionOutcome(name, null, "not tried: the check's deadline came first"));
                continue;
            }

            var answer = await TlsHelloExchange.SendAsync(remote, upgrade, wire, serverName, cancellationToken).ConfigureAwait(false);
            outcomes.Add(answer switch
            {
                { Version: { } chosen } when chosen == wire => new VersionOutcome(name, true, $"accepted with {(TlsCipherSuite)(answer.CipherSuite ?? 0)}"),
                { Version: { } other } => new VersionOutcome(name, false, $"refused: the server answered with {TlsVersionNames.OfWire(other)}"),
                { AlertName: { } alert } => new VersionOutcome(name, false, $"refused with the alert {alert}"),
                { Error: { } error } when error.StartsWith("the server closed", StringComparison.Ordinal) => new VersionOutcome(name, false, $"refused: {error}"),
                _ => new VersionOutcome(name, null, answer.Error ?? "no answer"),
            });
        }

        return outcomes;
    }

    /// <summary>Records <see cref="VersionsAccepted"/> and the legacy-version finding.</summary>
    public static void Record(IReadOnlyList<VersionOutcome> outcomes, ProbeResultBuilder result)
    {
        result.Measure(VersionsAccepted, outcomes.Where(o => o.Accepted == true).Select(o => o.Version).ToArray());
        var legacy = outcomes.Where(o => o.Accepted == true && o.Version is "TLS 1.0" or "TLS 1.1").ToList();
        if (legacy.Count > 0)
        {
            result.Finding(new Finding(LegacyFinding, FindingSeverity.Warning,
                $"the server still accepts {string.Join(" and ", legacy.Select(o => o.Version))}, deprecated by RFC 8996",
                "disable TLS 1.0 and 1.1 on the server (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: SSLProtocol -all +TLSv1.2 +TLSv1.3)",
                outcomes.Select(o => new KeyValuePair<string, string>(o.Version, o.Detail)).ToList()));
        }
    }
}
