using System.Net;
using Sentinel.Probes.Tcp;
using Sentinel.Probes.Tests.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Tcp;

/// <summary>The JSON and report lines of tcp details, pinned byte for byte.</summary>
public sealed class TcpDetailsTests
{
    [Fact]
    public void Details_Connected_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("tcp-connected", new TcpDetails(
            "system", [IPAddress.Parse("192.0.2.10"), IPAddress.Parse("2001:db8::10")],
            new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5432), new IPEndPoint(IPAddress.Parse("192.0.2.99"), 40312)));

    [Fact]
    public void Details_Refused_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("tcp-refused", new TcpDetails(
            "192.0.2.53:53", [IPAddress.Parse("2001:db8::10")], new IPEndPoint(IPAddress.Parse("2001:db8::10"), 5432), local: null));

    [Fact]
    public void Details_Unresolved_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("tcp-unresolved", new TcpDetails("system", [], remote: null, local: null));
}
