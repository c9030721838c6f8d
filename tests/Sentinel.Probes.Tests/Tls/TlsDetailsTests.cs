using System.Net;
using Sentinel.Probes.Tests.Protocols.Tls;
using Sentinel.Probes.Tests.Reporting;
using Sentinel.Probes.Tls;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>The JSON and report lines of tls details, pinned byte for byte.</summary>
public sealed class TlsDetailsTests
{
    [Fact]
    public async Task Details_HandshakeAfterStartTlsWithVersions_WritesTheGoldenJsonAndReport()
    {
        var inspection = await GoldenHandshake.InspectAsync();

        DetailsGolden.Matches("tls-starttls-versions", new TlsDetails(
            "system", [IPAddress.Parse("192.0.2.25")], new IPEndPoint(IPAddress.Parse("192.0.2.25"), 587), new IPEndPoint(IPAddress.Parse("192.0.2.99"), 51000))
        {
            StartTls = StartTlsProtocol.Smtp,
            Handshake = inspection.Details,
            Versions =
            [
                new VersionOutcome("TLS 1.0", false, "refused: protocol version"),
                new VersionOutcome("TLS 1.2", true, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
                new VersionOutcome("TLS 1.3", null, "timed out"),
            ],
        });
    }

    [Fact]
    public void Details_NotConnected_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("tls-not-connected", new TlsDetails("192.0.2.53:53", [], new IPEndPoint(IPAddress.Parse("2001:db8::25"), 443)));
}
