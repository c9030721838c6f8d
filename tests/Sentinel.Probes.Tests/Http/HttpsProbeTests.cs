using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Http;

/// <summary>
/// https targets: a real Kestrel server with certificates the tests generate. The certificate verdicts are the
/// shared TLS inspection's; these tests prove the HTTP probe feeds it and classifies what it says.
/// </summary>
public sealed class HttpsProbeTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private CertificateSpec Loopback => new() { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] };

    private JsonObject Trusting(JsonObject? http = null)
    {
        http ??= [];
        var tls = http["tls"] as JsonObject ?? [];
        tls["caFile"] = pki.RootFile;
        http["tls"] = tls;
        return http;
    }

    [Fact]
    public async Task RunAsync_ValidChain_IsUpWithAllFivePhasesAndCertificateMeasurements()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = pki.Trusted.Issue(Loopback with { NotAfter = Now.AddDays(40) }) });

        var result = await HttpChecks.RunAsync(server.Url("/delay?firstByteMs=30&bodyMs=20&chunks=3"), Trusting());

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["resolve", "connect", "tls", "processing", "transfer"], result.Phases.Select(p => p.Name));
        // A busy machine may notice the first byte late, which moves time from transfer to processing, never out.
        Assert.True(result.Phase("processing") >= TimeSpan.FromMilliseconds(29), $"processing {result.Phase("processing")}");
        Assert.True(result.Phase("processing") + result.Phase("transfer") >= TimeSpan.FromMilliseconds(49));
        Assert.True(result.Phase("transfer") >= TimeSpan.FromMilliseconds(10), $"transfer {result.Phase("transfer")}");
        Assert.InRange(result.Measurements["cert.days_left"].Number!.Value, 39.9, 40.1);
        Assert.Equal("TLS 1.3", result.Measurements["tls.version"].Text);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_http_ssl" && s.Value == 1);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_ssl_earliest_cert_expiry");
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_http_duration_seconds" && s.Labels[0] == "tls");
    }

    [Fact]
    public async Task RunAsync_CertificateAssertion_UsesTheLeafDaysLeft()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = pki.Trusted.Issue(Loopback with { NotAfter = Now.AddDays(20) }) });

        var result = await HttpChecks.RunAsync(server.Url(), Trusting(),
            assert: new JsonArray(new JsonObject { ["that"] = "cert.days_left", ["atLeast"] = 30 }));

        Assert.Equal("assertion_failed", result.Failure!.Category);
        Assert.Matches(@"^cert\.days_left was 19\.9\d*|20, expected at least 30$", result.Failure.Message);
    }

    [Theory]
    [InlineData("expired", "tls_expired")]
    [InlineData("not-yet-valid", "tls_not_yet_valid")]
    [InlineData("wrong-host", "tls_hostname_mismatch")]
    [InlineData("self-signed", "tls_self_signed")]
    [InlineData("untrusted-root", "tls_untrusted_root")]
    [InlineData("incomplete-chain", "tls_incomplete_chain")]
    public async Task RunAsync_BadCertificate_ClassifiesItAndSendsNoRequest(string variant, string category)
    {
        var (chain, sendIntermediates) = variant switch
        {
            "expired" => (pki.Trusted.Issue(Loopback with { NotBefore = Now.AddDays(-90), NotAfter = Now.AddDays(-2) }), true),
            "not-yet-valid" => (pki.Trusted.Issue(Loopback with { NotBefore = Now.AddDays(3), NotAfter = Now.AddDays(90) }), true),
            "wrong-host" => (pki.Trusted.Issue(new CertificateSpec { CommonName = "other.sentinel.test" }), true),
            "self-signed" => (TestCertificateAuthority.SelfSigned(Loopback), true),
            "untrusted-root" => (pki.Unknown.Issue(Loopback), true),
            _ => (pki.Trusted.Issue(Loopback), false),
        };
        // An unknown root is recognisable as such when the server sends it (SslStream servers never do: openssl here).
        await using var kestrel = variant == "untrusted-root" ? null : await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = chain, SendIntermediates = sendIntermediates });
        await using var openssl = variant == "untrusted-root"
            ? await OpenSslServer.StartAsync(new TestChain(chain.Leaf, [.. chain.Intermediates, chain.Root], chain.Root), pki.Directory.Path, true, "-www")
            : null;
        var url = kestrel?.Url() ?? $"https://{openssl!.Target}/";

        var result = await HttpChecks.RunAsync(url, Trusting());

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("tls", category), (result.Failure!.Layer, result.Failure.Category));
        Assert.Single(result.Problems, p => p.Category == category);

        // The handshake completed so that the certificate is inspected in full, then the attempt ended there, as
        // curl's does: a server that could not prove who it is gets no request.
        Assert.Equal(["resolve", "connect", "tls"], result.Phases.Select(p => p.Name));
        Assert.False(result.Measurements.ContainsKey("http.status_code"));
        Assert.True(result.Measurements.ContainsKey("cert.days_left"));
        Assert.True(result.Measurements.ContainsKey("tls.version"));
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_ssl_earliest_cert_expiry");
        Assert.Contains("\"certificateRejected\":true", ProbeResultJson.Details(result), StringComparison.Ordinal);
        Assert.Equal(0, kestrel?.Requests ?? 0);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("headers")]
    public async Task RunAsync_LeafTheVerifierCannotProcess_FailsClosedAsTheTlsProbeDoes(string type)
    {
        // A proxy certificate (RFC 3820) makes .NET's chain builder on Linux throw inside SslStream's handshake: the
        // TLS layer failing closed, reported as the tls probe reports it, not the probe failing. The headers probe
        // fetches through the http probe. (No subject alternative names, as in the tls probe's test, or OpenSSL's
        // server would not use it for TLS 1.2, where the chain is read for inspection.)
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec { Proxy = true, DnsNames = [] }), pki.Directory.Path, true, "-www");
        var url = $"https://{server.Target}/";
        var check = type == "http" ? HttpChecks.Parse(url, Trusting()) : Headers.HeadersChecks.Parse(url, new JsonObject { ["tls"] = new JsonObject { ["caFile"] = pki.RootFile } });

        var result = await HttpChecks.RunAsync(check);

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(["tls_handshake_failed", "tls_hostname_mismatch", "tls_invalid_chain"], result.Problems.Select(p => p.Category));
        Assert.StartsWith($"the TLS handshake with {server.Target} stopped: this node's certificate verifier (OpenSSL, through .NET) failed on the server's chain (", result.Failure!.Message, StringComparison.Ordinal);
        Assert.StartsWith("the chain cannot be checked: this node's certificate verifier (OpenSSL, through .NET) failed on it (", result.Problems[2].Message, StringComparison.Ordinal);
        Assert.Equal(["resolve", "connect", "tls"], result.Phases.Select(p => p.Name));
        Assert.True(result.Measurements.ContainsKey("cert.days_left"));
        Assert.False(result.Measurements.ContainsKey("http.status_code"));
    }

    [Fact]
    public async Task RunAsync_WrongHostCertificate_SendsNeitherRequestNorCredentials()
    {
        await using var server = await HeaderServer.StartAsync(tls: pki.Trusted.Issue(new CertificateSpec { CommonName = "other.sentinel.test" }));
        var check = HttpChecks.Parse(server.Url(), Trusting(new JsonObject { ["headers"] = new JsonObject { ["Authorization"] = "Bearer SECRET" } }));

        var result = await HttpChecks.RunAsync(check);

        Assert.Equal("tls_hostname_mismatch", result.Failure!.Category);
        Assert.Empty(server.Requests);
        Assert.Contains("  > (not sent: the certificate failed verification; insecure sends it and reports the failure as a warning)\n",
            HttpChecks.Report(check, result).ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CertificateExpiringSoon_StillSendsTheRequest()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = pki.Trusted.Issue(Loopback with { NotAfter = Now.AddDays(5) }) });

        var result = await HttpChecks.RunAsync(server.Url(), Trusting());

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        Assert.Equal("tls_expiring", Assert.Single(result.Problems).Category);
        Assert.Equal(200, result.Measurements["http.status_code"].Number);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task RunAsync_Insecure_ReportsTheCertificateProblemAsAWarning()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = TestCertificateAuthority.SelfSigned(Loopback) });

        var result = await HttpChecks.RunAsync(server.Url(), new JsonObject { ["insecure"] = true });

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        var warning = Assert.Single(result.Problems);
        Assert.Equal(("tls_self_signed", ProblemSeverity.Warning), (warning.Category, warning.Severity));
        Assert.EndsWith("(insecure: reported, not failed)", warning.Message, StringComparison.Ordinal);
        Assert.Equal(200, result.Measurements["http.status_code"].Number);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task RunAsync_OptionalClientCertificateAndNoAnswer_ReportsHttpTimeoutNotTls()
    {
        // s_server without -www reads the request and never answers; -verify (lower case) asks for a client
        // certificate and goes on without one.
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(Loopback), pki.Directory.Path, true, "-verify", "1");

        var result = await HttpChecks.RunAsync($"https://{server.Target}/", Trusting(), timeout: "1s");

        Assert.Equal(("http", "http_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Matches($@"^no response from https://{server.Target}/ within the check's timeout \(1s\): the request was sent [\d.]+ ms before the deadline and no byte came back \(processing\)$", result.Failure.Message);
        Assert.NotNull(result.Phase("tls"));
    }

    [Fact]
    public async Task RunAsync_MutualTlsWithoutClientCertificate_ReportsHandshakeFailureNamingIt()
    {
        await using var server = await MutualTlsServerAsync();

        var result = await HttpChecks.RunAsync($"https://{server.Target}/", Trusting());

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("tls", "tls_handshake_failed"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Contains("client certificate", result.Failure.Hint, StringComparison.Ordinal);
        Assert.False(result.Measurements.ContainsKey("http.status_code"));
    }

    [Fact]
    public async Task RunAsync_MutualTlsWithClientCertificate_IsUp()
    {
        await using var server = await MutualTlsServerAsync();
        var client = pki.Trusted.Issue(new CertificateSpec { CommonName = "sentinel-client", Client = true }).WriteTo(pki.Directory.Path, "client");

        var result = await HttpChecks.RunAsync($"https://{server.Target}/", Trusting(new JsonObject
        {
            ["tls"] = new JsonObject { ["clientCertificate"] = client.Certificate, ["clientKey"] = client.Key },
        }));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1.0, result.Measurements["http.version"].Number);
        Assert.Contains("\"sent\":\"CN=sentinel-client, O=Sentinel Tests\"", ProbeResultJson.Details(result), StringComparison.Ordinal);
    }

    /// <summary>
    /// openssl s_server -www requiring a client certificate: it refuses a client without one with an alert, where an
    /// SslStream server (Kestrel) checks only after the handshake and just closes.
    /// </summary>
    private Task<OpenSslServer> MutualTlsServerAsync() =>
        OpenSslServer.StartAsync(pki.Trusted.Issue(Loopback), pki.Directory.Path, true, "-www", "-Verify", "1", "-CAfile", pki.RootAndIntermediateFile);

    [Fact]
    public async Task RunAsync_Http2ByAlpn_RecordsTheNegotiatedVersion()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = pki.Trusted.Issue(Loopback), Protocols = HttpProtocols.Http1AndHttp2 });

        var h2 = await HttpChecks.RunAsync(server.Url("/delay?firstByteMs=25&bodyMs=20&chunks=3"), Trusting(new JsonObject { ["httpVersion"] = "2" }));
        var h1 = await HttpChecks.RunAsync(server.Url(), Trusting());

        Assert.Equal(ProbeStatus.Up, h2.Status);
        Assert.Equal(2, h2.Measurements["http.version"].Number);
        Assert.Contains(h2.Samples, s => s.Metric.Name == "probe_http_version" && s.Value == 2);

        // HTTP/2 frames are followed: processing is the wait for the response's HEADERS, not the server's SETTINGS.
        Assert.True(h2.Phase("processing") >= TimeSpan.FromMilliseconds(24), $"processing {h2.Phase("processing")}");
        Assert.True(h2.Phase("processing") + h2.Phase("transfer") >= TimeSpan.FromMilliseconds(44));
        // The body's three chunks take 20 ms on the server; a busy machine can deliver the HEADERS frame late and shorten
        // what is left of that for transfer (8.4 ms seen under the whole suite), but not to nothing, which is what it
        // reads when the body's DATA frames are counted into processing.
        Assert.True(h2.Phase("transfer") >= TimeSpan.FromMilliseconds(2), $"transfer {h2.Phase("transfer")}");
        Assert.Equal(1.1, h1.Measurements["http.version"].Number);
    }

    [Fact]
    public async Task RunAsync_Http2OfferedToAnHttp11Server_FallsBackAndSaysSo()
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = pki.Trusted.Issue(Loopback) });

        var result = await HttpChecks.RunAsync(server.Url(), Trusting(new JsonObject { ["httpVersion"] = "2" }));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1.1, result.Measurements["http.version"].Number);
    }

    [Fact]
    public async Task RunAsync_HttpsToAPlainHttpPort_ReportsHandshakeFailed()
    {
        await using var server = await HttpTestServer.StartAsync();

        var result = await HttpChecks.RunAsync($"https://127.0.0.1:{server.Port}/");

        Assert.Equal(("tls", "tls_handshake_failed"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Contains("does not speak TLS", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RedirectFromHttpToHttps_InspectsTheHttpsHop()
    {
        await using var tls = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = pki.Trusted.Issue(Loopback with { NotAfter = Now.AddDays(50) }) });
        await using var plain = await HttpTestServer.StartAsync();

        var result = await HttpChecks.RunAsync(plain.Url($"/redirect/301?to={Uri.EscapeDataString(tls.Url("/json"))}"), Trusting());

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1, result.Measurements["http.redirects"].Number);
        Assert.InRange(result.Measurements["cert.days_left"].Number!.Value, 49.9, 50.1);
        Assert.NotNull(result.Phase("tls"));
    }
}
