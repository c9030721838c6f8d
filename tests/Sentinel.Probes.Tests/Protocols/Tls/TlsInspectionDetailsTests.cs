using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Tests.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tls;

/// <summary>The JSON and report lines of a TLS inspection, as tls and https checks embed them, pinned byte for byte.</summary>
public sealed class TlsInspectionDetailsTests
{
    [Fact]
    public async Task Details_Handshake_WritesTheGoldenJsonAndReport()
    {
        var inspection = await GoldenHandshake.InspectAsync();

        DetailsGolden.Matches("tls-inspection", inspection.Details);
    }

    [Fact]
    public void Details_NoCertificateReceived_WritesTheGoldenJsonAndReport()
    {
        var details = new TlsInspectionDetails(
            new TlsCapture(), new TlsExpectations("db.sentinel.test", TlsTrust.System, TimeSpan.FromDays(14)), chain: null, GoldenHandshake.Now);

        DetailsGolden.Matches("tls-inspection-no-certificate", details);
    }
}
