using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>
/// The tls probe against real TLS servers on loopback serving a PKI the tests generate: each case of the issue's
/// corpus gives exactly its expected categories. SslStream serves what OpenSSL's default security level allows;
/// openssl s_server at SECLEVEL=0 serves SHA-1 chains, 1024-bit keys and TLS 1.0, and requires client certificates.
/// </summary>
public sealed class TlsProbeTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private const string Host = "www.sentinel.test";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Fact]
    public async Task RunAsync_ValidChain_IsUpWithPhasesAndMeasurements()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { NotAfter = Now.AddDays(60) }));

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
        Assert.Equal(["resolve", "connect", "tls"], result.Phases.Select(p => p.Name));
        Assert.Equal(result.Phase("tls")!.Value.TotalMilliseconds, result.Measurements["tls.handshake_ms"].Number!.Value, tolerance: 1e-6);
        Assert.Equal("TLS 1.3", result.Measurements["tls.version"].Text);
        Assert.InRange(result.Measurements["cert.days_left"].Number!.Value, 59.9, 60.1);
        Assert.True(result.Measurements.ContainsKey("tls.duration.total_ms"));
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_ssl_earliest_cert_expiry");
        await Eventually.WaitAsync(() => server.Handshakes == 1, TimeSpan.FromSeconds(5), "the server to count the probe's handshake");
    }

    public static TheoryData<string, string> DateCases() => new()
    {
        { "expired", "tls_expired" },
        { "not-yet-valid", "tls_not_yet_valid" },
        { "expiring", "tls_expiring" },
    };

    [Theory]
    [MemberData(nameof(DateCases))]
    public async Task RunAsync_LeafDates_GiveExactlyTheirCategory(string variant, string category)
    {
        var spec = variant switch
        {
            "expired" => new CertificateSpec { NotBefore = Now.AddDays(-90), NotAfter = Now.AddDays(-1) },
            "not-yet-valid" => new CertificateSpec { NotBefore = Now.AddDays(2), NotAfter = Now.AddDays(90) },
            _ => new CertificateSpec { NotAfter = Now.AddDays(5) },
        };
        await using var server = TlsServer.Start(pki.Trusted.Issue(spec));

        var result = await RunAsync(server.Target, Tls(Host, """ "expiryThreshold": "14d" """));

        Assert.Equal([category], result.Problems.Select(p => p.Category));
        Assert.Equal(category == "tls_expiring" ? ProbeStatus.Degraded : ProbeStatus.Down, result.Status);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_ssl_last_chain_info");
    }

    [Fact]
    public async Task RunAsync_ExpiringIntermediateLongLivedLeaf_WarnsAboutTheIntermediate()
    {
        using var ca = pki.Trusted.WithIntermediate(notAfter: Now.AddDays(5));
        await using var server = TlsServer.Start(ca.Issue(new CertificateSpec { NotAfter = Now.AddDays(365) }));

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_expiring"], result.Problems.Select(p => p.Category));
        Assert.StartsWith("the intermediate certificate (CN=Sentinel Test Second Intermediate CA", result.Problems[0].Message, StringComparison.Ordinal);
        Assert.InRange(result.Measurements["cert.chain_days_left"].Number!.Value, 4.9, 5.1);
        Assert.InRange(result.Measurements["cert.days_left"].Number!.Value, 364, 366);
    }

    [Fact]
    public async Task RunAsync_WrongHost_ReportsHostnameMismatch()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { CommonName = "other.sentinel.test" }));

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_hostname_mismatch"], result.Problems.Select(p => p.Category));
        Assert.Equal("the certificate (CN=other.sentinel.test, O=Sentinel Tests) is not valid for www.sentinel.test: it names DNS:other.sentinel.test", result.Failure!.Message);
    }

    [Theory]
    [InlineData("x.a.test", true)]
    [InlineData("a.test", false)]
    [InlineData("x.y.a.test", false)]
    public async Task RunAsync_WildcardLeaf_MatchesOneLeftMostLabelOnly(string serverName, bool matches)
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { CommonName = "*.a.test" }));

        var result = await RunAsync(server.Target, Tls(serverName));

        Assert.Equal(matches ? [] : ["tls_hostname_mismatch"], result.Problems.Select(p => p.Category));
    }

    [Fact]
    public async Task RunAsync_IpTargetWithIpSan_IsUpWithoutSni()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { CommonName = "127.0.0.1", IpAddresses = [IPAddress.Loopback] }));

        var result = await RunAsync(server.Target, Tls(null));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Contains("\"expectedHost\":\"127.0.0.1\"", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SelfSigned_ReportsSelfSigned()
    {
        await using var server = TlsServer.Start(TestCertificateAuthority.SelfSigned(new CertificateSpec()));

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_self_signed"], result.Problems.Select(p => p.Category));
    }

    [Fact]
    public async Task RunAsync_UnknownRoot_ReportsUntrustedRoot()
    {
        await using var server = TlsServer.Start(pki.Unknown.Issue(new CertificateSpec()));

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_untrusted_root"], result.Problems.Select(p => p.Category));
        Assert.Equal($"the chain ends at the intermediate certificate (CN=Unknown Test Intermediate CA, O=Sentinel Tests), whose issuer CN=Unknown Test Root CA, O=Sentinel Tests is not in caFile {pki.RootFile}: an unknown root (or an intermediate the server does not send)", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_UnknownRootSentByTheServer_ReportsUntrustedRootNamingIt()
    {
        var issued = pki.Unknown.Issue(new CertificateSpec());
        await using var server = await OpenSslServer.StartAsync(new TestChain(issued.Leaf, [.. issued.Intermediates, issued.Root], issued.Root), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_untrusted_root"], result.Problems.Select(p => p.Category));
        Assert.Equal($"the chain ends at the root CN=Unknown Test Root CA, O=Sentinel Tests, which caFile {pki.RootFile} does not trust", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_ServerSendsOnlyTheLeaf_ReportsIncompleteChain()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec()), new TlsServerOptions { SendIntermediates = false });

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_incomplete_chain"], result.Problems.Select(p => p.Category));
        Assert.StartsWith("the server does not send its intermediate certificate; browsers that have not cached it will fail: configure the full chain file", result.Failure!.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Sha1SignedIntermediate_ReportsWeakSignature()
    {
        using var ca = pki.Trusted.WithIntermediate(sha1: true);
        await using var server = await OpenSslServer.StartAsync(ca.Issue(new CertificateSpec()), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_weak_signature"], result.Problems.Select(p => p.Category));
        Assert.Equal("the intermediate certificate (CN=Sentinel Test Second Intermediate CA, O=Sentinel Tests) is signed with SHA-1 (sha1WithRSAEncryption), which browsers and OpenSSL reject", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_Rsa1024Leaf_ReportsWeakKey()
    {
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec { Key = TestKey.Rsa1024 }), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_weak_key"], result.Problems.Select(p => p.Category));
        Assert.Equal("the leaf certificate (CN=www.sentinel.test, O=Sentinel Tests) has a 1024-bit RSA key (at least 2048 bits needed)", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_ServerAcceptsOnlyTls12_IsUpWithTls12AndTheAuditSaysSo()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec()), new TlsServerOptions { Protocols = SslProtocols.Tls12 });

        var result = await RunAsync(server.Target, Tls(Host, """ "tlsVersions": true """));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
        Assert.Equal("TLS 1.2", result.Measurements["tls.version"].Text);
        Assert.Equal(["TLS 1.2"], result.Measurements["tls.versions_accepted"].Items);
        Assert.Empty(result.Findings);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_tls_version_info" && s.Labels[0] == "TLS 1.2");
    }

    [Fact]
    public async Task RunAsync_ServerAcceptsTls10_AuditFlagsLegacyVersions()
    {
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec()), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host, """ "tlsVersions": true """));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"], result.Measurements["tls.versions_accepted"].Items);
        var finding = Assert.Single(result.Findings);
        Assert.Equal(("tls.legacy_version_accepted", FindingSeverity.Warning), (finding.Id, finding.Severity));
        Assert.Equal("the server still accepts TLS 1.0 and TLS 1.1, deprecated by RFC 8996", finding.Message);
    }

    [Fact]
    public async Task RunAsync_ServerSpeaksOnlyTls10_FailsTheHandshakeButStillInspectsTheChain()
    {
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec { NotAfter = Now.AddDays(3) }), pki.Directory.Path, arguments: "-tls1");

        var result = await RunAsync(server.Target, Tls(Host, """ "tlsVersions": true """));

        Assert.Equal(["tls_handshake_failed", "tls_expiring"], result.Problems.Select(p => p.Category));
        Assert.Equal($"{server.Target} ended the TLS handshake with the alert \"handshake failure\"", result.Failure!.Message);
        Assert.StartsWith("the server speaks only TLS 1.0, which Sentinel refuses", result.Failure.Hint, StringComparison.Ordinal);
        Assert.Equal(["TLS 1.0"], result.Measurements["tls.versions_accepted"].Items);
        Assert.InRange(result.Measurements["cert.days_left"].Number!.Value, 2.9, 3.1);
        Assert.Contains("\"capturedForInspectionOnly\":true", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SmtpStartTls_UpgradesAndInspects()
    {
        await using var server = SmtpStartTlsServer.Start(pki.Trusted.Issue(new CertificateSpec { CommonName = "smtp.sentinel.test" }));

        var result = await RunAsync(server.Target, Tls("smtp.sentinel.test", """ "starttls": "smtp" """));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["resolve", "connect", "starttls", "tls"], result.Phases.Select(p => p.Name));
        Assert.True(result.Measurements.ContainsKey("tls.duration.starttls_ms"));
        await Eventually.WaitAsync(() => server.Upgrades == 1, TimeSpan.FromSeconds(5), "the server to count the STARTTLS upgrade");
    }

    [Fact]
    public async Task RunAsync_SmtpWithoutStartTls_ReportsStartTlsFailed()
    {
        await using var server = SmtpStartTlsServer.Start(pki.Trusted.Issue(new CertificateSpec()), offerStartTls: false);

        var result = await RunAsync(server.Target, Tls(Host, """ "starttls": "smtp" """));

        Assert.Equal(["tls_starttls_failed"], result.Problems.Select(p => p.Category));
        Assert.Equal($"{server.Target} did not upgrade to TLS with smtp STARTTLS: the SMTP server does not offer STARTTLS (its EHLO reply lists: PIPELINING, 8BITMIME)", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_CaFileMissing_IsUnknownWithProbeError()
    {
        var result = await RunAsync("127.0.0.1:1", $$"""{ "serverName": "{{Host}}", "caFile": "/nonexistent/ca.pem" }""");

        Assert.Equal(ProbeStatus.Unknown, result.Status);
        Assert.Equal("caFile /nonexistent/ca.pem does not exist on this node", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_NothingListening_ReportsTcpRefusedWithoutTlsPhase()
    {
        var result = await RunAsync($"127.0.0.1:{TcpPorts.Closed()}", Tls(Host));

        Assert.Equal(["tcp_refused"], result.Problems.Select(p => p.Category));
        Assert.Null(result.Phase("tls"));
        Assert.Null(JsonDocument.Parse(ProbeResultJson.Serialize(result)).RootElement.GetProperty("details").GetProperty("tls").GetString());
    }

    private string Tls(string? serverName, string extra = "") => TlsChecks.Section(pki.RootFile, serverName, extra);

    private Task<ProbeResult> RunAsync(string target, string section, string timeout = "5s") => TlsChecks.RunAsync(_runner, target, section, timeout);
}
