using Sentinel.Probes.Names;
using Xunit;

namespace Sentinel.Probes.Tests.Names;

public sealed class DnsNamesTests
{
    [Fact]
    public void LowerAscii_LeavesNonAsciiAlone() =>
        Assert.Equal("www.example.com.ÄÖ", DnsNames.LowerAscii("WWW.Example.COM.ÄÖ"));
}
