using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>
/// The daemon end to end: <c>sentinel run</c> (with its embedded PostgreSQL) runs a tls check whose chain does not
/// validate, and <c>/metrics</c> still shows the blackbox_exporter certificate series for it.
/// </summary>
public sealed class TlsMetricsEndToEndTests(TlsPki pki) : IClassFixture<TlsPki>
{
    [Fact]
    public async Task Run_TlsCheckWithIncompleteChain_ExportsCertificateSeries()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec()), new TlsServerOptions { SendIntermediates = false });
        using var directory = new TempDirectory("sentinel-run");
        directory.Write("checks/tls.json", $$"""
            { "id": "tls-incomplete", "type": "tls", "target": "{{server.Target}}", "interval": "2s", "timeout": "1s",
              "tls": { "serverName": "www.sentinel.test", "caFile": "{{pki.RootFile}}" } }
            """);
        var listen = $"http://127.0.0.1:{TcpPorts.Free()}";
        await using var sentinel = SentinelProcess.Start(directory.Path, null,
            "run", "--checks", Path.Combine(directory.Path, "checks"), "--data-dir", Path.Combine(directory.Path, "pg"), "--listen", listen);
        using var http = new HttpClient();

        var metrics = await Eventually.ValueAsync(async () =>
        {
            Assert.False(sentinel.HasExited, sentinel.Output);
            var text = await http.GetStringAsync($"{listen}/metrics");
            return text.Contains("probe_ssl_earliest_cert_expiry{", StringComparison.Ordinal) ? text : null;
        }, TimeSpan.FromSeconds(90), "the tls check's certificate series on /metrics");

        Assert.Matches($$"""probe_ssl_earliest_cert_expiry\{[^}]*job="tls-incomplete"[^}]*\} \d+""", metrics);
        // Subject and issuer in blackbox_exporter's form (Go's pkix.Name.String()), so its dashboards match.
        Assert.Matches("""probe_ssl_last_chain_info\{[^}]*subject="CN=www.sentinel.test,O=Sentinel Tests"[^}]*\} 1""", metrics);
        Assert.Matches("""probe_ssl_last_chain_info\{[^}]*issuer="CN=Sentinel Test Intermediate CA,O=Sentinel Tests"[^}]*\} 1""", metrics);
        Assert.Matches("""probe_tls_version_info\{[^}]*version="TLS 1.3"[^}]*\} 1""", metrics);
        Assert.Matches("""sentinel_tls_cert_expiry_timestamp_seconds\{[^}]*position="leaf"[^}]*\} \d{10}\n""", metrics);
        Assert.Matches("""probe_success\{[^}]*job="tls-incomplete"[^}]*\} 0""", metrics);
        Assert.Matches("""sentinel_probe_failures_total\{[^}]*category="tls_incomplete_chain"[^}]*\} [1-9]""", metrics);
    }
}
