using System.Text.Json;
using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Xunit;

namespace Sentinel.Worker.Tests.Cli;

/// <summary><c>sentinel probe http URL</c>, run in-process against a real HTTPS server on loopback.</summary>
public sealed class ProbeHttpCommandTests
{
    [Theory]
    [InlineData("--cacert")]
    [InlineData("--cafile")]
    public async Task ProbeHttp_Https_ShowsAllFivePhasesTheExchangeAndTheCertificate(string caFlag)
    {
        using var ca = TestCertificateAuthority.Create();
        using var dir = new TempDirectory();
        var root = dir.Write("root.pem", ca.RootPem);
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = ca.Issue(new CertificateSpec { IpAddresses = [System.Net.IPAddress.Loopback] }) });

        var (code, output, errors) = await RunAsync("probe", "http", server.Url("/delay?firstByteMs=20"), caFlag, root);

        Assert.True(code == 0, errors + output);
        Assert.Contains($"cli-http: http {server.Url("/delay?firstByteMs=20")}\n  status      UP in ", output, StringComparison.Ordinal);
        foreach (var phase in new[] { "resolve", "connect", "tls", "processing", "transfer" })
        {
            Assert.Matches($@"\n  {phase,-11} \d+\.\d{{3}} ms\n", output);
        }

        Assert.Contains("  > GET /delay?firstByteMs=20 HTTP/1.1\n", output, StringComparison.Ordinal);
        Assert.Contains("  < HTTP/1.1 200 OK\n", output, StringComparison.Ordinal);
        Assert.Contains("  protocol    TLS 1.3, ", output, StringComparison.Ordinal);
        Assert.Contains("  certificate 0: leaf, sent by the server (#0)\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeHttp_FlagsBecomeTheCheck()
    {
        await using var server = await HttpTestServer.StartAsync();

        var (code, output, _) = await RunAsync("probe", "http", server.Url("/echo"), "-X", "PUT", "-H", "X-Probe: cli", "-d", "hello",
            "--body-matches", "X-Probe: cli", "--expect-status", "200,3xx", "--json");

        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("up", json.GetProperty("status").GetString());
        Assert.Equal("PUT", json.GetProperty("details").GetProperty("probed")[0].GetProperty("hops")[0].GetProperty("method").GetString());
    }

    [Fact]
    public async Task ProbeHttp_Refused_PrintsTheCategoryAndHintAndExitsOne()
    {
        var port = TcpPorts.Closed();

        var (code, output, _) = await RunAsync("probe", "http", $"http://127.0.0.1:{port}/");

        Assert.Equal(1, code);
        Assert.Contains($"FAILURE tcp_refused (tcp): 127.0.0.1:{port} refused the connection: nothing is listening on port {port}\n  hint: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeHttp_HostHeader_ReachesTheVirtualHostByAddress()
    {
        await using var server = await HeaderServer.StartAsync();

        var (code, output, errors) = await RunAsync("probe", "http", server.Url(), "-H", "Host: vhost.sentinel.test");

        Assert.True(code == 0, errors + output);
        Assert.Equal("vhost.sentinel.test", server.Requests[^1].Header("Host"));
        Assert.Contains("  > Host: vhost.sentinel.test\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "probe", "http", "ftp://example.com/" }, "sentinel: target: expected an http:// or https:// URL, got \"ftp://example.com/\"")]
    [InlineData(new[] { "probe", "http", "http://127.0.0.1:1/", "--addresses", "most" }, "sentinel: --addresses: expected \"first\", \"any\", \"all\" or \"quorum:N\" (N from 1 to 8), got \"most\"")]
    [InlineData(new[] { "probe", "http", "http://127.0.0.1:1/", "-X", "GE T" }, "sentinel: --request: must be an HTTP method token such as GET, HEAD or POST, got \"GE T\"")]
    [InlineData(new[] { "probe", "http", "http://127.0.0.1:1/", "-H", "novalue" }, "sentinel: --header: expected 'Name: value', got \"novalue\"")]
    [InlineData(new[] { "probe", "http", "http://127.0.0.1:1/", "-H", "Host: bad host" }, "sentinel: --header (Host): must be a host name or address with an optional port (RFC 9110, 7.2), such as www.example.com or www.example.com:8443, got \"bad host\"")]
    [InlineData(new[] { "probe", "http", "http://127.0.0.1:1/", "-H", "X Bad: 1" }, "sentinel: --header (X Bad): a header name must be a token (letters, digits and !#$%&'*+-.^_`|~)")]
    [InlineData(new[] { "probe", "http", "http://127.0.0.1:1/", "--expect-status", "600" }, "sentinel: --expect-status: expected a status code from 100 to 599 or a class such as \"2xx\", got number 600")]
    public async Task ProbeHttp_BadFlags_ExitTwoNamingTheFlag(string[] args, string expected)
    {
        var (code, _, errors) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal(expected + "\n", errors);
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var errors = new StringWriter { NewLine = "\n" };
        var code = await SentinelCli.InvokeAsync(args, output, errors, TestContext.Current.CancellationToken);
        return (code, output.ToString(), errors.ToString());
    }
}
