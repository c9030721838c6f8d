using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

public sealed class DnsSmokeTests : IDisposable
{
    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    public void Dispose() => _dns.Dispose();

    [Fact]
    public async Task Smoke()
    {
        _dns.AddAddress("www.example.test.", "192.0.2.1");
        var result = await _runner.RunAsync("www.example.test", new { servers = new[] { _dns.Address } });
        var sw = new StringWriter();
        ProbeReport.Write(sw, DnsChecks.Parse("www.example.test", new { servers = new[] { _dns.Address } }), result);
        File.WriteAllText("/tmp/dns-smoke.txt", sw.ToString() + "\n" + ProbeResultJson.Serialize(result));
        TestContext.Current.TestOutputHelper!.WriteLine(ProbeResultJson.Serialize(result));
        Assert.Equal(ProbeStatus.Up, result.Status);
    }
}
