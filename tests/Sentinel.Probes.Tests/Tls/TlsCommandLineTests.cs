using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>
/// <c>sentinel probe tls</c> as a user runs it: the real executable in a child process. Its system trust store is
/// what <c>SSL_CERT_FILE</c> says (it replaces the store on Linux, as for OpenSSL), so these tests also show how
/// the probe behaves with the system store rather than a caFile.
/// </summary>
public sealed class TlsCommandLineTests(TlsPki pki) : IClassFixture<TlsPki>
{
    [Fact]
    public async Task ProbeTls_ServerOmitsItsIntermediate_PrintsIncompleteChainWithHint()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec()), new TlsServerOptions { SendIntermediates = false });

        var (exitCode, output) = await RunAsync(pki.RootFile, "probe", "tls", server.Target, "--servername", "www.sentinel.test");

        Assert.Equal(1, exitCode);
        Assert.Contains("  status      DOWN in ", output, StringComparison.Ordinal);
        Assert.Contains("  trust       the system trust store", output, StringComparison.Ordinal);
        Assert.Contains("  certificate 0: leaf, sent by the server (#0)", output, StringComparison.Ordinal);
        Assert.Contains("    subject   CN=www.sentinel.test, O=Sentinel Tests", output, StringComparison.Ordinal);
        Assert.Contains("FAILURE tls_incomplete_chain (tls): the server sent 1 certificate ending at CN=www.sentinel.test, O=Sentinel Tests, but not the certificate of its issuer", output, StringComparison.Ordinal);
        Assert.Contains("  hint: the server does not send its intermediate certificate; browsers that have not cached it will fail: configure the full chain file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeTls_IntermediateOnlyInTheSystemStore_SaysWhereTheChainFoundIt()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec()), new TlsServerOptions { SendIntermediates = false });

        var (exitCode, output) = await RunAsync(pki.RootAndIntermediateFile, "probe", "tls", server.Target, "--servername", "www.sentinel.test");

        Assert.Equal(1, exitCode);
        Assert.Contains("  certificate 1: intermediate, not sent: from this node's system store", output, StringComparison.Ordinal);
        Assert.Contains("FAILURE tls_incomplete_chain (tls): the chain builds only with an intermediate the server did not send: CN=Sentinel Test Intermediate CA, O=Sentinel Tests (found in this node's system store)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeTls_ValidChainTrustedBySystemStore_ExitsZeroWithDaysLeft()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { NotAfter = DateTimeOffset.UtcNow.AddDays(45.5) }));

        var (exitCode, output) = await RunAsync(pki.RootFile, "probe", "tls", server.Target, "--servername", "www.sentinel.test");

        Assert.Equal(0, exitCode);
        Assert.Contains("  status      UP in ", output, StringComparison.Ordinal);
        Assert.Matches(@"    valid     \S+ \S+ to \S+ \S+, 45\.[45] days left", output);
        Assert.DoesNotContain("FAILURE", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeTls_Json_PrintsTheChainInDetails()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec()));

        var (exitCode, output) = await RunAsync(pki.RootFile, "probe", "tls", server.Target, "--servername", "www.sentinel.test", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var tls = json.RootElement.GetProperty("details").GetProperty("tls");
        Assert.Equal(["leaf", "intermediate", "root"], tls.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("position").GetString()));
        Assert.Equal(["served", "served", "system"], tls.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("source").GetString()));
        Assert.Equal("TLS 1.3", json.RootElement.GetProperty("measurements").GetProperty("tls.version").GetString());
    }

    [Theory]
    [InlineData("--starttls", "ftp", "sentinel: --starttls: expected one of \"smtp\", \"imap\", \"pop3\", \"postgres\", got string \"ftp\"")]
    [InlineData("--servername", "192.0.2.1", "sentinel: --servername: must be a DNS name, not an IP address (SNI cannot carry one), got \"192.0.2.1\"; leave it out for an IP target")]
    [InlineData("--expiry-threshold", "2y", "sentinel: --expiry-threshold: expected a duration such as \"30s\", \"5m\" or \"1h30m\", got string \"2y\"")]
    public async Task ProbeTls_BadFlag_ExitsTwoNamingTheFlag(string flag, string value, string message)
    {
        var (exitCode, output) = await RunAsync(pki.RootFile, "probe", "tls", "127.0.0.1:443", flag, value);

        Assert.Equal(2, exitCode);
        Assert.Equal(message, output.Trim());
    }

    /// <summary>Runs sentinel with <paramref name="systemStore"/> as the whole system trust store.</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(string systemStore, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["SSL_CERT_FILE"] = systemStore,
            ["SSL_CERT_DIR"] = Path.Combine(pki.Directory.Path, "no-such-directory"),
        };
        await using var process = SentinelProcess.Start(pki.Directory.Path, environment, arguments);
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), process.Output);
        return (process.ExitCode, process.Output);
    }
}
